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
// open ones, and in /metrics.
func TestTreeShowsHibernatedConnections(t *testing.T) {
	sleeper := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		return listener.Hibernate(nil)
	})
	ln := &listener.Server{Name: "listener sleepy", Addr: "127.0.0.1:0", Handler: sleeper, HibernateAfter: time.Hour, Logger: testLogger(t)}
	a := serveApp(t, supervisor.RunConfig{}, ln)
	seamtest.Dial(t, ln.BoundAddr())
	seamtest.Eventually(t, "the connection to hibernate", func() bool { return ln.Stats().Hibernated == 1 })
	node := child(t, a.treeJSON(t)["tree"].(map[string]any), "listener sleepy")
	if node["hibernated"] != 1.0 || node["conns"] != 1.0 {
		t.Errorf("the listener in the tree: %v; want conns 1, hibernated 1", node)
	}
	if body := a.want(t, "/debug/tree", 200); !strings.Contains(body, "conns 1 (1 hibernated)") {
		t.Errorf("/debug/tree does not show the hibernated connection:\n%s", body)
	}
	if v := value(t, a.metrics(t), "seam_listener_hibernated", map[string]string{"listener": "listener sleepy"}); v != 1 {
		t.Errorf("seam_listener_hibernated = %v; want 1", v)
	}
}

// A listener's connections parked at accept show apart in /debug/tree
// and /metrics, so that silent new clients are told from idle ones.
func TestTreeShowsUnstartedConnections(t *testing.T) {
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error { return nil })
	ln := &listener.Server{Name: "listener quiet", Addr: "127.0.0.1:0", Handler: echo, HibernateAfter: time.Hour,
		HibernateAtAccept: func(net.Conn) bool { return true }, Logger: testLogger(t)}
	a := serveApp(t, supervisor.RunConfig{}, ln)
	seamtest.Dial(t, ln.BoundAddr())
	seamtest.Eventually(t, "the connection to park at accept", func() bool { return ln.Stats().Unstarted == 1 })
	node := child(t, a.treeJSON(t)["tree"].(map[string]any), "listener quiet")
	if node["unstarted"] != 1.0 || node["hibernated"] != 1.0 {
		t.Errorf("the listener in the tree: %v; want hibernated 1, unstarted 1", node)
	}
	if body := a.want(t, "/debug/tree", 200); !strings.Contains(body, "conns 1 (1 hibernated, 1 of them yet to send a byte)") {
		t.Errorf("/debug/tree does not show the connection parked at accept:\n%s", body)
	}
	if v := value(t, a.metrics(t), "seam_listener_unstarted", map[string]string{"listener": "listener quiet"}); v != 1 {
		t.Errorf("seam_listener_unstarted = %v; want 1", v)
	}
}
