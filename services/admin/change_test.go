package admin_test

import (
	"context"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// starter is a worker that says each time it starts.
type starter struct{ started chan struct{} }

func (s *starter) Serve(ctx context.Context) error {
	s.started <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

func (s *starter) String() string { return "reloader" }

// A child added, restarted and removed while the tree runs shows in
// /debug/tree and in the restart counters of /metrics.
func TestGroupChangesShow(t *testing.T) {
	a := serveApp(t, supervisor.RunConfig{})
	w := &starter{started: make(chan struct{})}
	if err := a.root.Add(supervisor.Transient(w)); err != nil {
		t.Fatalf("Add: %v", err)
	}
	seamtest.Recv(t, w.started, "the added child to start")
	n := child(t, a.treeJSON(t)["tree"].(map[string]any), "reloader")
	if n["state"] != "running" || n["restart"] != "transient" {
		t.Errorf("added child in the tree: %v", n)
	}
	wantSupervised(t, a.metrics(t), "app", "reloader", 0)

	if err := a.root.Restart("reloader"); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	seamtest.Recv(t, w.started, "the child to start again")
	seamtest.Eventually(t, "the restart counted", func() bool {
		return value(t, a.metrics(t), "seam_service_restarts_total", map[string]string{"supervisor": "app", "service": "reloader"}) == 1
	})

	if err := a.root.Remove("reloader"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	seamtest.Eventually(t, "the child gone from the tree", func() bool {
		for _, c := range a.treeJSON(t)["tree"].(map[string]any)["children"].([]any) {
			if c.(map[string]any)["name"] == "reloader" {
				return false
			}
		}
		return true
	})
}
