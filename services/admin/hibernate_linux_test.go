package admin_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// A listener's hibernated connections show in /debug/tree, beside its
// open ones, and in /metrics; its connections parked at accept show apart
// there, so that silent new clients are told from idle ones.
func TestTreeShowsParkedConnections(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ln     *listener.Server
		await  string                    // what the test waits for
		parked func(listener.Stats) bool // it has happened
		node   map[string]float64        // the listener's fields in /debug/tree.json
		text   string                    // in /debug/tree
		metric string                    // 1 in /metrics
	}{
		{
			name: "hibernated",
			ln: &listener.Server{Name: "listener sleepy", Addr: "127.0.0.1:0", HibernateAfter: time.Hour,
				Handler: listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
					return listener.Hibernate(nil)
				})},
			await:  "the connection to hibernate",
			parked: func(st listener.Stats) bool { return st.Hibernated == 1 },
			node:   map[string]float64{"conns": 1, "hibernated": 1},
			text:   "conns 1 (1 hibernated)",
			metric: "seam_listener_hibernated",
		},
		{
			name: "unstarted",
			ln: &listener.Server{Name: "listener quiet", Addr: "127.0.0.1:0", HibernateAfter: time.Hour,
				Handler:           listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error { return nil }),
				HibernateAtAccept: func(net.Conn) bool { return true }},
			await:  "the connection to park at accept",
			parked: func(st listener.Stats) bool { return st.Unstarted == 1 },
			node:   map[string]float64{"hibernated": 1, "unstarted": 1},
			text:   "conns 1 (1 hibernated, 1 of them yet to send a byte)",
			metric: "seam_listener_unstarted",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := tc.ln
			ln.Logger = testLogger(t)
			a := serveApp(t, supervisor.RunConfig{}, ln)
			seamtest.Dial(t, ln.BoundAddr())
			seamtest.Eventually(t, tc.await, func() bool { return tc.parked(ln.Stats()) })
			node := child(t, a.treeJSON(t)["tree"].(map[string]any), ln.Name)
			for field, want := range tc.node {
				if node[field] != want {
					t.Errorf("the listener in the tree: %v; want %s %v", node, field, want)
				}
			}
			if body := a.want(t, "/debug/tree", 200); !strings.Contains(body, tc.text) {
				t.Errorf("/debug/tree does not show %q:\n%s", tc.text, body)
			}
			if v := value(t, a.metrics(t), tc.metric, map[string]string{"listener": ln.Name}); v != 1 {
				t.Errorf("%s = %v; want 1", tc.metric, v)
			}
		})
	}
}
