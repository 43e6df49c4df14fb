package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/internal/eventhook"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// serveWithHealth serves g as Run would with a Health: its events reach
// both h and, after it, the returned collection.
func serveWithHealth(t *testing.T, g *Group) (stop func() error, events *seamtest.Events, h *Health) {
	t.Helper()
	events, h = seamtest.NewEvents(), &Health{}
	h.begin(g)
	ctx := eventhook.WithObserver(context.Background(), eventhook.Then(h.Observe, events.Hook))
	return serveGroupCtx(t, ctx, g), events, h
}

// nextChange returns the next EventChildChanged of g.
func nextChange(t *testing.T, events *seamtest.Events) EventChildChanged {
	t.Helper()
	return seamtest.NextEvent[EventChildChanged](t, events)
}

// treeStates is the live tree under g as "name state".
func treeStates(h *Health) []string {
	var out []string
	for _, n := range h.Tree().Children {
		out = append(out, strings.TrimSpace(n.Name+" "+n.State+" "+n.Restart))
	}
	return out
}

func TestGroupAdd(t *testing.T) {
	j := newJournal()
	a, b, d := newKid(j, "a"), newKid(j, "b"), newKid(j, "d")
	d.late = true
	g := &Group{Name: "g", Services: []suture.Service{a, b}}
	stop, events, h := serveWithHealth(t, g)
	j.expect(t, "start a", "start b")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	if err := g.Add(Transient(d)); err != nil {
		t.Fatalf("Add: %v", err)
	}
	j.expect(t, "start d")
	// Shown as soon as it is taken, ready or not, with its type.
	if have, want := treeStates(h), []string{"a running", "b running", "d running transient"}; !slices.Equal(have, want) {
		t.Errorf("tree %q, want %q", have, want)
	}
	d.setReady()
	if e := nextChange(t, events); e.ServiceName != "d" || e.Change != ChildAdded || e.Err != nil {
		t.Errorf("event %+v, want d added", e)
	}
	if err := g.Add(newKid(j, "d")); !errors.Is(err, ErrDuplicateChild) {
		t.Errorf("second Add of d: have %v, want ErrDuplicateChild", err)
	}
	// The added child stops first.
	j.expectStop(t, stop, "stop d", "return d", "stop b", "return b", "stop a", "return a")
}

// An added child that fails before it was ready leaves the group, which
// carries on: it is no start failure of the group.
func TestGroupAddFailsBeforeReady(t *testing.T) {
	j := newJournal()
	a, d := newKid(j, "a"), newKid(j, "d")
	d.late = true
	g := &Group{Name: "g", Services: []suture.Service{a}}
	_, events := serveObserved(t, g)
	j.expect(t, "start a")
	if err := g.Add(d); err != nil {
		t.Fatalf("Add: %v", err)
	}
	j.expect(t, "start d")
	d.failWith(t, errBoom)
	j.expect(t, "fail d", "return d")
	if e := nextChange(t, events); e.ServiceName != "d" || e.Change != ChildAdded || !errors.Is(e.Err, errBoom) {
		t.Errorf("event %+v, want d's add failed with boom", e)
	}
	if have, want := states(g), []string{"a running"}; !slices.Equal(have, want) {
		t.Errorf("children %q, want %q", have, want)
	}
	// The name is free again.
	if err := g.Add(newKid(j, "d")); err != nil {
		t.Errorf("Add after the failed one: %v", err)
	}
}

func TestGroupRemove(t *testing.T) {
	j := newJournal()
	a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
	g := &Group{Name: "g", Strategy: OneForAll, Services: []suture.Service{a, b, c}}
	stop, events, h := serveWithHealth(t, g)
	j.expect(t, "start a", "start b", "start c")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	if err := g.Remove("b"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	// b alone stops, whatever the strategy: a removal is no failure.
	j.expect(t, "stop b", "return b")
	if e := nextChange(t, events); e.ServiceName != "b" || e.Change != ChildRemoved {
		t.Errorf("event %+v, want b removed", e)
	}
	if have, want := treeStates(h), []string{"a running", "c running"}; !slices.Equal(have, want) {
		t.Errorf("tree %q, want %q", have, want)
	}
	if err := g.Remove("b"); !errors.Is(err, ErrUnknownChild) {
		t.Errorf("second Remove: have %v, want ErrUnknownChild", err)
	}
	if err := g.Restart("b"); !errors.Is(err, ErrUnknownChild) {
		t.Errorf("Restart of a removed child: have %v, want ErrUnknownChild", err)
	}
	j.expectStop(t, stop, "stop c", "return c", "stop a", "return a")
}

// Restart applies the strategy, as a failure would, without counting a
// failure; the Health counts the restarts.
func TestGroupRestart(t *testing.T) {
	for _, tc := range []struct {
		strategy Strategy
		journal  []string
		restarts []string
	}{
		{OneForOne, []string{"stop b", "return b", "start b"}, []string{"b"}},
		{RestForOne, []string{"stop c", "return c", "stop b", "return b", "start b", "start c"}, []string{"b", "c"}},
		{OneForAll, []string{"stop c", "return c", "stop b", "return b", "stop a", "return a", "start a", "start b", "start c"}, []string{"a", "b", "c"}},
	} {
		t.Run(tc.strategy.String(), func(t *testing.T) {
			j := newJournal()
			a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
			g := &Group{Name: "g", Strategy: tc.strategy, Services: []suture.Service{a, b, c}}
			_, events, h := serveWithHealth(t, g)
			j.expect(t, "start a", "start b", "start c")
			seamtest.Recv(t, g.Ready(), "the group to be ready")
			if err := g.Restart("b"); err != nil {
				t.Fatalf("Restart: %v", err)
			}
			j.expect(t, tc.journal...)
			e := nextChange(t, events)
			if e.ServiceName != "b" || e.Change != ChildRestarted || !slices.Equal(e.Restarts, tc.restarts) {
				t.Errorf("event %+v, want b restarted with %q", e, tc.restarts)
			}
			var restarted []string
			for _, c := range h.ServiceCounts() {
				if c.Failures != 0 {
					t.Errorf("%+v: a restart on demand is no failure", c)
				}
				if c.Restarts == 1 {
					restarted = append(restarted, c.Service)
				}
			}
			if !slices.Equal(restarted, tc.restarts) {
				t.Errorf("restart counts for %q, want %q", restarted, tc.restarts)
			}
		})
	}
}

// A transient child that ended is started again by Restart, as OTP's
// restart_child does.
func TestGroupRestartEndedChild(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	g := &Group{Name: "g", Services: []suture.Service{Transient(a)}}
	_, events := serveObserved(t, g)
	j.expect(t, "start a")
	a.failWith(t, nil)
	j.expect(t, "fail a", "return a")
	nextChange(t, events)
	if err := g.Restart("a"); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	j.expect(t, "start a")
	if have, want := states(g), []string{"a running"}; !slices.Equal(have, want) {
		t.Errorf("children %q, want %q", have, want)
	}
}

func TestGroupChangesNotRunning(t *testing.T) {
	g := &Group{Name: "g", Services: []suture.Service{newKid(newJournal(), "a")}}
	for name, err := range map[string]error{
		"Add":     g.Add(newKid(newJournal(), "b")),
		"Remove":  g.Remove("a"),
		"Restart": g.Restart("a"),
	} {
		if !errors.Is(err, ErrNotRunning) {
			t.Errorf("%s before Serve: have %v, want ErrNotRunning", name, err)
		}
	}
	stop := serveGroup(t, g)
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	stop()
	if err := g.Restart("a"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Restart after Serve: have %v, want ErrNotRunning", err)
	}
}

func TestGroupChangesDuplicateNames(t *testing.T) {
	j := newJournal()
	g := &Group{Name: "g", Services: []suture.Service{newKid(j, "a"), newKid(j, "a")}}
	serveGroup(t, g)
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	for name, err := range map[string]error{"Remove": g.Remove("a"), "Restart": g.Restart("a")} {
		if !errors.Is(err, ErrDuplicateChild) {
			t.Errorf("%s of a shared name: have %v, want ErrDuplicateChild", name, err)
		}
	}
}

// caller is a child that, once running, calls one of its group's methods
// and reports the result; then it waits for its ctx.
type caller struct {
	name string
	j    *journal
	call func() error
	errs chan error
}

func (c *caller) String() string { return c.name }

func (c *caller) Serve(ctx context.Context) error {
	c.j.add("start " + c.name)
	c.errs <- c.call()
	<-ctx.Done()
	c.j.add("return " + c.name)
	return ctx.Err()
}

// A child may remove itself and restart a sibling: the group takes the
// change without waiting for the caller, so nothing deadlocks.
func TestGroupChangesFromAChild(t *testing.T) {
	t.Run("remove itself", func(t *testing.T) {
		j := newJournal()
		a := newKid(j, "a")
		g := &Group{Name: "g"}
		self := &caller{name: "self", j: j, errs: make(chan error, 1), call: func() error { return g.Remove("self") }}
		g.Services = []suture.Service{a, self}
		_, events := serveObserved(t, g)
		j.expect(t, "start a", "start self")
		seamtest.RecvNil(t, self.errs, "Remove to return")
		j.expect(t, "return self")
		if e := nextChange(t, events); e.ServiceName != "self" || e.Change != ChildRemoved {
			t.Errorf("event %+v, want self removed", e)
		}
	})
	t.Run("restart a sibling during its own start", func(t *testing.T) {
		j := newJournal()
		a := newKid(j, "a")
		g := &Group{Name: "g"}
		// c is not ready until the test says so: the group waits for
		// it while it calls Restart.
		c := &lateCaller{caller{name: "c", j: j, errs: make(chan error, 1), call: func() error { return g.Restart("a") }}, make(chan struct{})}
		g.Services = []suture.Service{a, c}
		_, events := serveObserved(t, g)
		j.expect(t, "start a", "start c")
		seamtest.RecvNil(t, c.errs, "Restart to return")
		close(c.ready)
		j.expect(t, "stop a", "return a", "start a")
		if e := nextChange(t, events); e.ServiceName != "a" || e.Change != ChildRestarted {
			t.Errorf("event %+v, want a restarted", e)
		}
	})
}

// lateCaller is a caller that is ready when the test closes ready.
type lateCaller struct {
	caller
	ready chan struct{}
}

func (c *lateCaller) Ready() <-chan struct{} { return c.ready }

// Many goroutines add and remove at once; every change is made once.
func TestGroupChangesConcurrent(t *testing.T) {
	j := newJournal()
	g := &Group{Name: "g", Services: []suture.Service{newKid(j, "a")}}
	_, events := serveObserved(t, g)
	j.expect(t, "start a")
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			name := fmt.Sprintf("w%d", i)
			if err := g.Add(newKid(j, name)); err != nil {
				errs <- err
				return
			}
			errs <- g.Remove(name)
		}()
	}
	for range n {
		if err := seamtest.Recv(t, errs, "a change to be taken"); err != nil {
			t.Fatal(err)
		}
	}
	removed := 0
	for removed < n {
		if e := nextChange(t, events); e.Change == ChildRemoved {
			removed++
		}
	}
	if have, want := states(g), []string{"a running"}; !slices.Equal(have, want) {
		t.Errorf("children %q, want %q", have, want)
	}
}

// A removed child that does not stop within the group's StopTimeout is
// abandoned, as at the group's stop, and named in the report; the group
// goes on.
func TestGroupRemoveAbandonsAStuckChild(t *testing.T) {
	j := newJournal()
	a, stuck := newKid(j, "a"), newBlocker(t, "stuck")
	g := &Group{Name: "g", StopTimeout: time.Millisecond, Services: []suture.Service{a, stuck}}
	_, events := serveObserved(t, g)
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	if err := g.Remove("stuck"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	seamtest.Recv(t, stuck.stopping, "stuck's ctx to end")
	if e := seamtest.NextEvent[suture.EventStopTimeout](t, events); e.ServiceName != "stuck" {
		t.Errorf("event %+v, want stuck's stop timeout", e)
	}
	if e := nextChange(t, events); e.ServiceName != "stuck" || e.Change != ChildRemoved {
		t.Errorf("event %+v, want stuck removed", e)
	}
	rep := g.report()
	if !slices.ContainsFunc(rep, func(u unstopped) bool { return u.name == "stuck" && !u.unconfirmed }) {
		t.Errorf("report %v, want stuck abandoned", rep)
	}
	if have, want := states(g), []string{"a running"}; !slices.Equal(have, want) {
		t.Errorf("children %q, want %q", have, want)
	}
}
