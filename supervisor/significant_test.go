package supervisor

import (
	"context"
	"slices"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// serveUntilEnd serves g and returns the channel of Serve's result, for a
// group expected to end on its own; the test's end stops it otherwise.
func serveUntilEnd(t *testing.T, g *Group) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-g.gone():
		}
	})
	return done
}

// gone is closed once no Serve of g runs.
func (g *Group) gone() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.serving == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return g.serving.gone
}

func TestAutoShutdown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		auto  AutoShutdown
		typ   restartType
		err   error // what the significant job returns
		ends  bool  // the group ends with it
		after []string
	}{
		{"any/transient normal", AnySignificant, transient, nil, true, nil},
		{"any/transient ErrDoNotRestart", AnySignificant, transient, suture.ErrDoNotRestart, true, nil},
		{"any/transient abnormal", AnySignificant, transient, errBoom, false, []string{"start job"}},
		{"any/temporary normal", AnySignificant, temporary, nil, true, nil},
		{"any/temporary abnormal", AnySignificant, temporary, errBoom, true, nil},
		{"never/transient normal", NoAutoShutdown, transient, nil, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJournal()
			a, job, c := newKid(j, "a"), newKid(j, "job"), newKid(j, "c")
			g := &Group{Name: "g", AutoShutdown: tc.auto,
				Services: []suture.Service{a, Significant(wrapType(tc.typ, job)), c}}
			done := serveUntilEnd(t, g)
			j.expect(t, "start a", "start job", "start c")
			job.failWith(t, tc.err)
			j.expect(t, "fail job", "return job")
			if !tc.ends {
				j.expect(t, tc.after...)
				select {
				case err := <-done:
					t.Fatalf("the group ended (%v); want it running", err)
				default:
				}
				return
			}
			// The others stop in reverse order and Serve returns nil.
			j.expect(t, "stop c", "return c", "stop a", "return a")
			seamtest.RecvNil(t, done, "the group to end")
			j.empty(t)
		})
	}
}

func TestAutoShutdownAllSignificant(t *testing.T) {
	j := newJournal()
	a, one, two := newKid(j, "a"), newKid(j, "one"), newKid(j, "two")
	g := &Group{Name: "g", AutoShutdown: AllSignificant,
		Services: []suture.Service{a, Significant(Transient(one)), Significant(Temporary(two))}}
	_, events := serveObserved(t, g)
	j.expect(t, "start a", "start one", "start two")
	seamtest.Recv(t, g.Ready(), "the group to be ready")
	done := g.gone() // taken while Serve runs
	one.failWith(t, nil)
	j.expect(t, "fail one", "return one")
	seamtest.NextEvent[EventChildChanged](t, events)
	select {
	case <-done:
		t.Fatal("the group ended while a significant child runs")
	default:
	}
	two.failWith(t, nil)
	j.expect(t, "fail two", "return two", "stop a", "return a")
	seamtest.Recv(t, done, "the group to end")
}

// Under Run, a group that ends on its own ends the program cleanly: Run
// returns nil once the others have stopped in reverse order.
func TestRunReturnsNilWhenSignificantChildEnds(t *testing.T) {
	j := newJournal()
	a, migrate, c := newKid(j, "a"), newKid(j, "migrate"), newKid(j, "c")
	root := &Group{Name: "app", AutoShutdown: AnySignificant,
		Services: []suture.Service{a, Significant(Transient(migrate)), c}}
	sink := seamtest.NewLogs(t)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), root, RunConfig{Logger: sink.Logger()}) }()
	j.expect(t, "start a", "start migrate", "start c")
	migrate.failWith(t, nil)
	j.expect(t, "fail migrate", "return migrate", "stop c", "return c", "stop a", "return a")
	seamtest.RecvNil(t, done, "Run to return")
}

// A group that ended on its own is a transient child's normal end in its
// parent: not restarted.
func TestAutoShutdownNested(t *testing.T) {
	j := newJournal()
	job, b := newKid(j, "job"), newKid(j, "b")
	inner := &Group{Name: "inner", AutoShutdown: AnySignificant, Services: []suture.Service{Significant(Transient(job))}}
	outer := &Group{Name: "outer", Services: []suture.Service{Transient(inner), b}}
	_, events := serveObserved(t, outer)
	j.expect(t, "start job", "start b")
	job.failWith(t, nil)
	j.expect(t, "fail job", "return job")
	for {
		e := seamtest.NextEvent[EventChildChanged](t, events)
		if e.GroupName == "outer" {
			if e.ServiceName != "inner" || e.Change != ChildEnded {
				t.Fatalf("event %+v, want inner ended", e)
			}
			break
		}
	}
	if have, want := states(outer), []string{"inner finished", "b running"}; !slices.Equal(have, want) {
		t.Errorf("children %q, want %q", have, want)
	}
}
