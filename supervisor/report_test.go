package supervisor

import (
	"context"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestUnstoppedString(t *testing.T) {
	for _, tc := range []struct {
		u    unstopped
		want string
	}{
		{unstopped{path: "app", name: "stuck"}, "app: stuck"},
		{unstopped{path: "app/kv", name: "conn 127.0.0.1:5555 (id 7)"}, "app/kv: conn 127.0.0.1:5555 (id 7)"},
		{unstopped{path: "app/child", name: "x", unconfirmed: true}, "app/child: x (not confirmed stopped)"},
		{unstopped{name: "app", unconfirmed: true}, "app (not confirmed stopped)"},
	} {
		if have := tc.u.String(); have != tc.want {
			t.Errorf("have %q, want %q", have, tc.want)
		}
	}
}

func TestFinishedReportIsBounded(t *testing.T) {
	sup := suture.NewSimple("never started")
	if _, ok := finishedReport(sup, 50*time.Millisecond); ok {
		t.Fatal("a supervisor never served reported finished")
	}
	// Serving and stopping it releases the goroutine still waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	seamtest.Recv(t, sup.ServeBackground(ctx), "the supervisor to stop")
	if rep, ok := finishedReport(sup, seamtest.Wait); !ok || rep != nil {
		t.Errorf("a stopped supervisor: have %v, %v; want nil, true", rep, ok)
	}
}

// A HasSupervisor may hand out a supervisor already in the tree; the
// snapshot must not walk round it forever.
func TestSnapshotStopsAtCycle(t *testing.T) {
	root := New("app", Config{})
	root.Add(&wrapped{name: "loop", sup: root})
	root.Add(newSleeper("a"))
	seamtest.Start(t, root)

	shape := snapshot(root)
	if len(shape.kids) != 2 || shape.kids[0].name != "a" || shape.kids[1].name != "loop" {
		t.Fatalf("have %+v", shape.kids)
	}
	if loop := shape.kids[1].sub; loop == nil || len(loop.kids) != 0 {
		t.Errorf("the repeated supervisor was walked again: %+v", loop)
	}
}

// With the tree still stopping, every service of the snapshot is named,
// with the live parts of a WorkReporter.
func TestReporterStopping(t *testing.T) {
	root := New("app", Config{})
	child := New("child", Config{})
	b := newSleeper("b")
	child.Add(b)
	root.Add(child)
	root.Add(newSleeper("a"))
	root.Add(partsSleeper{newSleeper("kv"), []string{"acceptor"}})
	root.Add(New("empty", Config{}))
	seamtest.Start(t, root)
	seamtest.Recv(t, b.running, "b to run") // so child is serving and lists it

	var r reporter
	r.stopping(snapshot(root))
	var have []string
	for _, u := range r.out {
		have = append(have, u.String())
	}
	want := []string{
		"app: a (not confirmed stopped)",
		"app/child: b (not confirmed stopped)",
		"app: empty (not confirmed stopped)",
		"app: kv (not confirmed stopped)",
		"app/kv: acceptor",
	}
	if len(have) != len(want) {
		t.Fatalf("have %q, want %q", have, want)
	}
	for i := range want {
		if have[i] != want[i] {
			t.Errorf("entry %d: have %q, want %q", i, have[i], want[i])
		}
	}
}
