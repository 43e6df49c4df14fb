package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestGroupStartsInOrderAndStopsInReverse(t *testing.T) {
	j := newJournal()
	a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
	g := &Group{Name: "g", Services: []suture.Service{a, b, c}}
	stop := serveGroup(t, g)
	j.expect(t, "start a", "start b", "start c")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	// Each child's Serve returned before the one before it was stopped.
	j.expectStop(t, stop, "stop c", "return c", "stop b", "return b", "stop a", "return a")
}

func TestGroupWaitsForReadiness(t *testing.T) {
	j := newJournal()
	a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
	b.late = true
	c.startCheck = func() string { return fmt.Sprintf("b ready %v", b.isReady()) }
	g := &Group{Name: "g", Services: []suture.Service{a, b, c}}
	serveGroup(t, g)
	j.expect(t, "start a", "start b")
	select {
	case <-g.Ready():
		t.Fatal("the group is ready before b")
	default:
	}
	b.setReady()
	j.expect(t, "start c (b ready true)")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
}

func TestGroupNested(t *testing.T) {
	j := newJournal()
	a, b, c, d := newKid(j, "a"), newKid(j, "b"), newKid(j, "c"), newKid(j, "d")
	c.late = true
	inner := &Group{Name: "inner", Services: []suture.Service{b, c}}
	d.startCheck = func() string { return fmt.Sprintf("c ready %v", c.isReady()) }
	outer := &Group{Name: "outer", Services: []suture.Service{a, inner, d}}
	stop := serveGroup(t, outer)
	j.expect(t, "start a", "start b", "start c")
	c.setReady()
	j.expect(t, "start d (c ready true)")
	seamtest.Recv(t, outer.Ready(), "the outer group to be ready")
	j.expectStop(t, stop, "stop d", "return d", "stop c", "return c", "stop b", "return b", "stop a", "return a")
}

func TestGroupStrategies(t *testing.T) {
	for _, tc := range []struct {
		strategy Strategy
		restart  []string // what follows "fail b", "return b"
		restarts []string // the event's Restarts
	}{
		{OneForOne, []string{"start b"}, []string{"b"}},
		{RestForOne, []string{"stop c", "return c", "start b", "start c"}, []string{"b", "c"}},
		{OneForAll, []string{"stop c", "return c", "stop a", "return a", "start a", "start b", "start c"}, []string{"a", "b", "c"}},
	} {
		t.Run(tc.strategy.String(), func(t *testing.T) {
			j := newJournal()
			a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
			g := &Group{Name: "g", Strategy: tc.strategy, Services: []suture.Service{a, b, c}}
			stop, events := serveObserved(t, g)
			j.expect(t, "start a", "start b", "start c")
			seamtest.Recv(t, g.Ready(), "the group to be ready")
			b.failWith(t, errBoom)
			j.expect(t, "fail b", "return b")
			j.expect(t, tc.restart...)
			e := seamtest.NextEvent[EventChildFailed](t, events)
			if e.GroupName != "g" || e.ServiceName != "b" || e.Strategy != tc.strategy ||
				!errors.Is(e.Err, errBoom) || e.CurrentFailures != 1 || !e.Restarting ||
				!slices.Equal(e.Restarts, tc.restarts) {
				t.Errorf("event %+v, want b's failure, restarting %q", e, tc.restarts)
			}
			// Whatever the strategy restarted is running again, in order:
			// the stop finds every child and stops it once.
			j.expectStop(t, stop, "stop c", "return c", "stop b", "return b", "stop a", "return a")
		})
	}
}

func TestGroupRestartsAPanic(t *testing.T) {
	j := newJournal()
	a, b := newKid(j, "a"), newKid(j, "b")
	g := &Group{Name: "g", Services: []suture.Service{a, b}}
	_, events := serveObserved(t, g)
	j.expect(t, "start a", "start b")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	b.boom <- "kaboom"
	j.expect(t, "panic b", "return b", "start b")
	e := seamtest.NextEvent[EventChildFailed](t, events)
	if e.ServiceName != "b" || e.PanicMsg != "kaboom" || e.Err != nil || !e.Restarting {
		t.Errorf("event %+v, want b's panic, restarting", e)
	}
	if !strings.Contains(e.Stacktrace, "(*kid).Serve") {
		t.Errorf("stack does not show the panic's origin:\n%s", e.Stacktrace)
	}
}

func TestGroupBacksOffPastTheThreshold(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	g := &Group{Name: "g", Services: []suture.Service{a},
		FailureThreshold: 1, FailureBackoff: time.Millisecond}
	_, events := serveObserved(t, g)
	j.expect(t, "start a")
	a.failWith(t, errBoom)
	j.expect(t, "fail a", "return a", "start a")
	if e := seamtest.NextEvent[EventChildFailed](t, events); !e.Restarting {
		t.Errorf("first failure %+v, want a restart at once", e)
	}
	a.failWith(t, errBoom)
	j.expect(t, "fail a", "return a", "start a")
	if e := seamtest.NextEvent[EventChildFailed](t, events); e.ServiceName != "a" || e.Restarting {
		t.Errorf("second failure %+v, want a's restart after the backoff", e)
	}
	if e := seamtest.NextEvent[suture.EventBackoff](t, events); e.SupervisorName != "g" {
		t.Errorf("backoff of %q, want g", e.SupervisorName)
	}
	if e := seamtest.NextEvent[suture.EventResume](t, events); e.SupervisorName != "g" {
		t.Errorf("resume of %q, want g", e.SupervisorName)
	}
}

func TestGroupChildEndsForGood(t *testing.T) {
	j := newJournal()
	a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
	g := &Group{Name: "g", Strategy: RestForOne, Services: []suture.Service{a, b, c}}
	stop := serveGroup(t, g)
	j.expect(t, "start a", "start b", "start c")
	b.failWith(t, fmt.Errorf("done: %w", suture.ErrDoNotRestart))
	j.expect(t, "fail b", "return b")
	// The journal says b returned, not that the group has seen it: wait
	// for the group to mark it finished before a fails.
	seamtest.Eventually(t, "b to be finished", func() bool {
		_, kids := g.children()
		return kids[1].state == "finished"
	})
	// A rest-for-one restart after a's failure skips the finished b.
	a.failWith(t, errBoom)
	j.expect(t, "fail a", "return a", "stop c", "return c", "start a", "start c")
	j.expectStop(t, stop, "stop c", "return c", "stop a", "return a")
}

// A one-shot job (a migration) that closes its Ready when it is done gates
// the next child until then, and ends for good.
func TestGroupJobBeforeServers(t *testing.T) {
	j := newJournal()
	done := make(chan struct{})
	migrate := &readyFunc{&funcService{name: "migrate", fn: func(context.Context) error {
		j.add("migrated")
		close(done)
		return suture.ErrDoNotRestart
	}}, done}
	a := newKid(j, "a")
	g := &Group{Name: "g", Services: []suture.Service{migrate, a}}
	serveGroup(t, g)
	j.expect(t, "migrated", "start a")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
}

func TestGroupChildEndsTheTree(t *testing.T) {
	j := newJournal()
	a, b := newKid(j, "a"), newKid(j, "b")
	g := &Group{Name: "g", Services: []suture.Service{a, b}}
	stop := serveGroup(t, g)
	j.expect(t, "start a", "start b")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	a.failWith(t, fmt.Errorf("fatal: %w", suture.ErrTerminateSupervisorTree))
	j.expect(t, "fail a", "return a", "stop b", "return b")
	if err := stop(); !errors.Is(err, suture.ErrTerminateSupervisorTree) || !strings.Contains(err.Error(), "fatal") {
		t.Fatalf("Serve = %v; want a's error", err)
	}
}

func TestGroupStartFailure(t *testing.T) {
	for name, fail := range map[string]func(b *kid){
		"fail":  func(b *kid) { b.fail <- errBoom },
		"panic": func(b *kid) { b.boom <- "boom" },
	} {
		t.Run(name, func(t *testing.T) {
			j := newJournal()
			a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
			b.late = true
			g := &Group{Name: "app", Services: []suture.Service{a, b, c}}
			done := make(chan error, 1)
			go func() { done <- Run(context.Background(), g, RunConfig{}) }()
			j.expect(t, "start a", "start b")
			fail(b)
			err := seamtest.Recv(t, done, "Run to return")
			var se *StartError
			if !errors.Is(err, ErrStartFailed) || !errors.As(err, &se) {
				t.Fatalf("Run = %v; want a StartError", err)
			}
			if se.Path != "app/b" || !strings.Contains(se.Err.Error(), "boom") {
				t.Fatalf("StartError{%q, %v}; want b named and its cause", se.Path, se.Err)
			}
			if name == "fail" && !errors.Is(err, errBoom) {
				t.Fatalf("Run = %v; want it to wrap b's error", err)
			}
			// c never started; a was stopped before Run returned.
			j.expect(t, name+" b", "return b", "stop a", "return a")
			j.empty(t)
		})
	}
}

func TestGroupStartFailureNested(t *testing.T) {
	j := newJournal()
	a, b := newKid(j, "a"), newKid(j, "b")
	b.late = true
	inner := &Group{Name: "inner", Services: []suture.Service{b}}
	outer := &Group{Name: "outer", Services: []suture.Service{a, inner}}
	// Through a suture supervisor too: the error ends its tree.
	root := New("root", Config{})
	root.Add(outer)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), root, RunConfig{}) }()
	j.expect(t, "start a", "start b")
	b.fail <- errBoom
	err := seamtest.Recv(t, done, "Run to return")
	var se *StartError
	if !errors.As(err, &se) || se.Path != "outer/inner/b" || !errors.Is(err, errBoom) {
		t.Fatalf("Run = %v; want a StartError for outer/inner/b wrapping boom", err)
	}
	j.expect(t, "fail b", "return b", "stop a", "return a")
}

func TestGroupStartTimeout(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	a.late = true
	g := &Group{Name: "g", Services: []suture.Service{a}, StartTimeout: time.Millisecond}
	err := g.Serve(context.Background())
	var se *StartError
	if !errors.As(err, &se) || se.Path != "g/a" || !strings.Contains(err.Error(), "not ready within the start timeout 1ms") {
		t.Fatalf("Serve = %v; want a StartError for g/a", err)
	}
	j.expect(t, "start a", "stop a", "return a")
}

// A child that was ready once and fails again before it is ready is a
// fault, restarted: not a start failure.
func TestGroupRestartedChildFailsBeforeReady(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	failing := true
	flaky := &funcService{name: "flaky", fn: nil}
	var ready = make(chan struct{})
	flaky.fn = func(ctx context.Context) error {
		j.add("start flaky")
		if failing {
			failing = false
			return errBoom
		}
		close(ready)
		<-ctx.Done()
		return nil
	}
	g := &Group{Name: "g", Services: []suture.Service{a, &readyFunc{flaky, ready}}}
	g.everReady = []bool{true, true} // as after an earlier Serve
	stop := serveGroup(t, g)
	j.expect(t, "start a", "start flaky", "start flaky")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// readyFunc is a funcService with a Ready channel.
type readyFunc struct {
	*funcService
	ready chan struct{}
}

func (r *readyFunc) Ready() <-chan struct{} { return r.ready }

func TestGroupBadConfig(t *testing.T) {
	for name, g := range map[string]*Group{
		"nil service":    {Services: []suture.Service{nil}},
		"strategy":       {Strategy: 9},
		"threshold":      {FailureThreshold: -1},
		"negative decay": {FailureDecay: -time.Second},
		"start timeout":  {StartTimeout: -time.Second},
		"stop timeout":   {StopTimeout: -time.Second},
	} {
		err := g.Serve(context.Background())
		if !errors.Is(err, ErrBadConfig) || !errors.Is(err, ErrStartFailed) || !errors.Is(err, suture.ErrTerminateSupervisorTree) {
			t.Errorf("%s: Serve = %v; want a StartError wrapping ErrBadConfig", name, err)
		}
	}
}

// A bad configuration under Run reaches main as Run's error, and nothing
// logs it on the way: main logs it once.
func TestGroupBadConfigUnderRunIsNotLogged(t *testing.T) {
	logs := seamtest.NewLogs(t)
	g := &Group{Name: "app", Strategy: 9, Logger: logs.Logger()}
	err := Run(context.Background(), g, RunConfig{Logger: logs.Logger()})
	if !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Run = %v; want ErrBadConfig", err)
	}
	for _, line := range logs.Events("") {
		if line["level"] == "error" {
			t.Errorf("logged before Run returned it: %v", line)
		}
	}
}

func TestGroupServedTwice(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	g := &Group{Services: []suture.Service{a}}
	serveGroup(t, g)
	j.expect(t, "start a")
	if err := g.Serve(context.Background()); !errors.Is(err, ErrAlreadyServing) || !errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("second Serve = %v; want ErrAlreadyServing", err)
	}
}

func TestGroupInSutureTree(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	g := &Group{Name: "g", Services: []suture.Service{a}}
	root := New("root", Config{})
	root.Add(g)
	ctx, cancel := context.WithCancel(context.Background())
	done := root.ServeBackground(ctx)
	j.expect(t, "start a")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	cancel()
	seamtest.Recv(t, done, "the tree to stop")
	j.expect(t, "stop a", "return a")
}

func TestStrategyRestarts(t *testing.T) {
	for _, tc := range []struct {
		s    Strategy
		want string
	}{
		{OneForOne, "[1]"}, {RestForOne, "[1 2 3]"}, {OneForAll, "[0 1 2 3]"},
	} {
		if have := fmt.Sprint(tc.s.restarts(1, 4)); have != tc.want {
			t.Errorf("%v.restarts(1, 4) = %s, want %s", tc.s, have, tc.want)
		}
	}
	if have := Strategy(7).String(); have != "Strategy(7)" {
		t.Errorf("String = %q", have)
	}
}

// A stuck child is abandoned at the end of its share of the budget, the
// children before it still stop in order, and Run names it, with the live
// parts it reports, under the path of its nested group.
func TestRunGroupReportsAbandonedChild(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	stuck := partsBlocker{newBlocker(t, "stuck"), []string{"conn 10.0.0.1:5 (id 1)"}}
	inner := &Group{Name: "inner", Services: []suture.Service{stuck}}
	g := &Group{Name: "app", Services: []suture.Service{a, inner}}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, g, RunConfig{ShutdownTimeout: time.Second, OnReady: func() { close(ready) }})
	}()
	seamtest.Recv(t, ready, "the tree to be ready")
	j.expect(t, "start a")
	cancel()
	err := seamtest.Recv(t, done, "Run to return")
	wantUnstopped(t, err, []string{"abandoned", "app/inner: stuck", "app/inner/stuck: conn 10.0.0.1:5 (id 1)"}, []string{"app: a", "not confirmed"})
	j.expect(t, "stop a", "return a")
}

// A child that refuses its configuration returns an error wrapping
// suture.ErrDoNotRestart before it is ready: that fails the start, it is
// not a job done.
func TestGroupDoNotRestartBeforeReadyFailsTheStart(t *testing.T) {
	j := newJournal()
	a := newKid(j, "a")
	bad := &readyFunc{&funcService{name: "bad", fn: func(context.Context) error {
		return fmt.Errorf("MaxConns -1: %w", suture.ErrDoNotRestart)
	}}, make(chan struct{})}
	g := &Group{Name: "g", Services: []suture.Service{a, bad}}
	err := g.Serve(context.Background())
	var se *StartError
	if !errors.As(err, &se) || se.Path != "g/bad" || !strings.Contains(err.Error(), "MaxConns -1") {
		t.Fatalf("Serve = %v; want a StartError for g/bad", err)
	}
	j.expect(t, "start a", "stop a", "return a")
}
