package supervisor

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestHealthObserve(t *testing.T) {
	var h Health
	h.Observe(suture.EventServiceTerminate{SupervisorName: "s", ServiceName: "a", Restarting: true})
	h.Observe(suture.EventServicePanic{SupervisorName: "s", ServiceName: "a"})
	h.Observe(EventChildFailed{GroupName: "g", ServiceName: "b", Restarts: []string{"b", "c"}})
	h.Observe(suture.EventBackoff{SupervisorName: "g"})
	h.Observe(suture.EventStopTimeout{SupervisorName: "g", ServiceName: "c"}) // ignored

	want := []ServiceCount{
		{Supervisor: "g", Service: "b", Failures: 1, Restarts: 1},
		{Supervisor: "g", Service: "c", Failures: 0, Restarts: 1},
		{Supervisor: "s", Service: "a", Failures: 2, Restarts: 2},
	}
	if have := h.ServiceCounts(); !slices.Equal(have, want) {
		t.Errorf("ServiceCounts: have %+v, want %+v", have, want)
	}
	if live, paused := h.Live(); live || !slices.Equal(paused, []string{"g"}) {
		t.Errorf("Live during a backoff: have %v %q, want false [g]", live, paused)
	}
	if have := h.SupervisorCounts(); !slices.Equal(have, []SupervisorCount{{Supervisor: "g", Backoffs: 1, InBackoff: true}}) {
		t.Errorf("SupervisorCounts: have %+v", have)
	}
	h.Observe(suture.EventResume{SupervisorName: "g"})
	h.Observe(suture.EventResume{SupervisorName: "g"}) // unmatched: no underflow
	if live, paused := h.Live(); !live || len(paused) != 0 {
		t.Errorf("Live after the resume: have %v %q, want true []", live, paused)
	}
	if h.Ready() {
		t.Error("a Health no Run follows is ready")
	}
}

// Run records the phases, and a Group under it reports its failures and
// backoffs to the Health through the context, nested at any depth.
func TestRunFeedsHealth(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	b := newKid(j, "b")
	inner := &Group{Name: "inner", Services: []suture.Service{a},
		FailureThreshold: 0.5, FailureBackoff: time.Hour}
	sup := New("sup", Config{})
	s := newSleeper("s")
	sup.Add(s)
	root := &Group{Name: "app", Services: []suture.Service{inner, b, sup}}

	h := &Health{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyC := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, root, RunConfig{Health: h, OnReady: func() { close(readyC) }})
	}()
	seamtest.Recv(t, readyC, "the tree to be ready")
	seamtest.Recv(t, s.running, "s to run")
	if !h.Ready() {
		t.Fatalf("phase %v after OnReady, want ready", h.Phase())
	}
	j.expect(t, "start a", "start b")

	tree := h.Tree()
	want := Node{Name: "app", Kind: "group", State: "running", Children: []Node{
		{Name: "inner", Kind: "group", State: "running", Children: []Node{
			{Name: "a", Kind: "service", State: "running"},
		}},
		{Name: "b", Kind: "service", State: "running"},
		{Name: "sup", Kind: "supervisor", State: "running", Children: []Node{
			{Name: "s", Kind: "service", State: "running"},
		}},
	}}
	checkTree(t, tree, want)

	// Past its threshold, inner pauses for an hour: not live.
	a.failWith(t, errBoom)
	j.expect(t, "fail a", "return a")
	seamtest.Eventually(t, "inner's backoff to reach the Health", func() bool { live, _ := h.Live(); return !live })
	if _, paused := h.Live(); !slices.Equal(paused, []string{"inner"}) {
		t.Errorf("paused: have %q, want [inner]", paused)
	}
	tree = h.Tree()
	if n := tree.Children[0]; n.State != "backoff" || n.Children[0].State != "down" || n.Children[0].Failures != 1 || n.Children[0].Restarts != 1 {
		t.Errorf("inner in its backoff: have %+v", n)
	}
	if !h.Ready() {
		t.Error("a backoff turned readiness off; it is liveness's to report")
	}

	cancel()
	seamtest.RecvNil(t, done, "Run to return")
	if h.Phase() != PhaseStopped {
		t.Errorf("phase after Run: %v, want stopped", h.Phase())
	}
	if live, paused := h.Live(); live || len(paused) != 0 {
		t.Errorf("Live after Run: have %v %q; want false, and the interrupted pause left", live, paused)
	}
}

// checkTree compares names, kinds, states and children, not services.
func checkTree(t *testing.T, have, want Node) {
	t.Helper()
	var strip func(n Node) Node
	strip = func(n Node) Node {
		n.Service = nil
		kids := n.Children
		n.Children = nil
		for _, c := range kids {
			n.Children = append(n.Children, strip(c))
		}
		return n
	}
	h, w := strip(have), strip(want)
	if !equalNodes(h, w) {
		t.Errorf("tree:\nhave %+v\nwant %+v", h, w)
	}
}

func equalNodes(a, b Node) bool {
	if a.Name != b.Name || a.Kind != b.Kind || a.State != b.State ||
		a.Failures != b.Failures || a.Restarts != b.Restarts || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Children {
		if !equalNodes(a.Children[i], b.Children[i]) {
			return false
		}
	}
	return true
}
