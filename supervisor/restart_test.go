package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// wrapType gives svc the restart type named by typ.
func wrapType(typ restartType, svc suture.Service) suture.Service {
	switch typ {
	case transient:
		return Transient(svc)
	case temporary:
		return Temporary(svc)
	}
	return svc
}

// states returns the group's children as "name state".
func states(g *Group) []string {
	_, kids := g.children()
	out := make([]string, len(kids))
	for i, k := range kids {
		out[i] = serviceName(k.svc) + " " + k.state
	}
	return out
}

// OTP's table: how each restart type answers its own end, under each
// strategy, normal (nil) or abnormal (an error).
func TestGroupRestartTypes(t *testing.T) {
	restart := map[Strategy][]string{ // what follows "fail b", "return b" when b is restarted
		OneForOne:  {"start b"},
		RestForOne: {"stop c", "return c", "start b", "start c"},
		OneForAll:  {"stop c", "return c", "stop a", "return a", "start a", "start b", "start c"},
	}
	restarted := map[Strategy][]string{
		OneForOne:  {"b"},
		RestForOne: {"b", "c"},
		OneForAll:  {"a", "b", "c"},
	}
	for _, typ := range []restartType{permanent, transient, temporary} {
		for _, strategy := range []Strategy{OneForOne, RestForOne, OneForAll} {
			for _, abnormal := range []bool{false, true} {
				end := map[bool]string{false: "normal", true: "abnormal"}[abnormal]
				t.Run(fmt.Sprintf("%s/%s/%s", typ, strategy, end), func(t *testing.T) {
					var err error // a nil return is normal
					if abnormal {
						err = errBoom
					}
					// A permanent child is restarted whatever its
					// end; transient only after an abnormal one;
					// temporary never.
					restarts := typ == permanent || typ == transient && abnormal
					j := newJournal()
					a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
					g := &Group{Name: "g", Strategy: strategy, Services: []suture.Service{a, wrapType(typ, b), c}}
					stop, events := serveObserved(t, g)
					j.expect(t, "start a", "start b", "start c")
					seamtest.Recv(t, g.Ready(), "the group to be ready")
					b.failWith(t, err)
					j.expect(t, "fail b", "return b")
					switch {
					case restarts:
						j.expect(t, restart[strategy]...)
						e := seamtest.NextEvent[EventChildFailed](t, events)
						if e.ServiceName != "b" || e.Ended || !slices.Equal(e.Restarts, restarted[strategy]) {
							t.Errorf("event %+v, want b's failure restarting %q", e, restarted[strategy])
						}
					case typ == temporary && abnormal:
						e := seamtest.NextEvent[EventChildFailed](t, events)
						if e.ServiceName != "b" || !e.Ended || len(e.Restarts) > 0 || !errors.Is(e.Err, errBoom) {
							t.Errorf("event %+v, want b's failure, ended, restarting nothing", e)
						}
						fallthrough
					default:
						e := seamtest.NextEvent[EventChildChanged](t, events)
						if e.ServiceName != "b" || e.Change != ChildEnded {
							t.Errorf("event %+v, want b ended", e)
						}
					}
					// The tree: a temporary child left the group, a
					// transient one that ended stays, finished.
					want := []string{"a running", "b running", "c running"}
					switch {
					case restarts:
					case typ == temporary:
						want = []string{"a running", "c running"}
					default:
						want[1] = "b finished"
					}
					if have := states(g); !slices.Equal(have, want) {
						t.Errorf("children %q, want %q", have, want)
					}
					if restarts {
						j.expectStop(t, stop, "stop c", "return c", "stop b", "return b", "stop a", "return a")
					} else {
						j.expectStop(t, stop, "stop c", "return c", "stop a", "return a")
					}
				})
			}
		}
	}
}

// A panic is abnormal for every type: a transient child is restarted, a
// temporary one leaves.
func TestGroupRestartTypesPanic(t *testing.T) {
	for _, typ := range []restartType{transient, temporary} {
		t.Run(typ.String(), func(t *testing.T) {
			j := newJournal()
			a := newKid(j, "a")
			g := &Group{Name: "g", Services: []suture.Service{wrapType(typ, a)}}
			_, events := serveObserved(t, g)
			j.expect(t, "start a")
			a.boom <- "kaboom"
			j.expect(t, "panic a", "return a")
			e := seamtest.NextEvent[EventChildFailed](t, events)
			if e.PanicMsg != "kaboom" || e.Ended != (typ == temporary) {
				t.Errorf("event %+v, want a's panic, ended %v", e, typ == temporary)
			}
			if typ == transient {
				j.expect(t, "start a")
			} else {
				seamtest.NextEvent[EventChildChanged](t, events)
				if have := states(g); len(have) != 0 {
					t.Errorf("children %q, want none", have)
				}
			}
		})
	}
}

// OTP's rules for the siblings: when a's failure restarts b with it, a
// temporary b is stopped and leaves the group, a transient b that ended
// normally is started again, a running one restarted as a permanent one.
func TestGroupRestartTypesSiblings(t *testing.T) {
	for _, tc := range []struct {
		typ      restartType
		ended    bool // b ended normally before a fails
		strategy Strategy
		journal  []string // after "fail a", "return a"
		restarts []string
		children []string
	}{
		{temporary, false, OneForOne, []string{"start a"}, []string{"a"}, []string{"a running", "b running", "c running"}},
		{temporary, false, RestForOne, []string{"stop c", "return c", "stop b", "return b", "start a", "start c"}, []string{"a", "c"}, []string{"a running", "c running"}},
		{temporary, false, OneForAll, []string{"stop c", "return c", "stop b", "return b", "start a", "start c"}, []string{"a", "c"}, []string{"a running", "c running"}},
		{transient, false, RestForOne, []string{"stop c", "return c", "stop b", "return b", "start a", "start b", "start c"}, []string{"a", "b", "c"}, []string{"a running", "b running", "c running"}},
		{transient, true, OneForOne, []string{"start a"}, []string{"a"}, []string{"a running", "b finished", "c running"}},
		{transient, true, RestForOne, []string{"stop c", "return c", "start a", "start b", "start c"}, []string{"a", "b", "c"}, []string{"a running", "b running", "c running"}},
		{transient, true, OneForAll, []string{"stop c", "return c", "start a", "start b", "start c"}, []string{"a", "b", "c"}, []string{"a running", "b running", "c running"}},
	} {
		t.Run(fmt.Sprintf("%s/ended %v/%s", tc.typ, tc.ended, tc.strategy), func(t *testing.T) {
			j := newJournal()
			a, b, c := newKid(j, "a"), newKid(j, "b"), newKid(j, "c")
			g := &Group{Name: "g", Strategy: tc.strategy, Services: []suture.Service{a, wrapType(tc.typ, b), c}}
			_, events := serveObserved(t, g)
			j.expect(t, "start a", "start b", "start c")
			seamtest.Recv(t, g.Ready(), "the group to be ready")
			if tc.ended {
				b.failWith(t, nil)
				j.expect(t, "fail b", "return b")
				seamtest.NextEvent[EventChildChanged](t, events)
			}
			a.failWith(t, errBoom)
			j.expect(t, "fail a", "return a")
			j.expect(t, tc.journal...)
			if e := seamtest.NextEvent[EventChildFailed](t, events); !slices.Equal(e.Restarts, tc.restarts) {
				t.Errorf("event %+v, want restarts %q", e, tc.restarts)
			}
			if tc.typ == temporary && tc.strategy != OneForOne {
				// The temporary sibling's leaving is said.
				if e := seamtest.NextEvent[EventChildChanged](t, events); e.ServiceName != "b" || e.Change != ChildEnded {
					t.Errorf("event %+v, want b ended", e)
				}
			}
			if have := states(g); !slices.Equal(have, tc.children) {
				t.Errorf("children %q, want %q", have, tc.children)
			}
		})
	}
}

func TestSignificantPermanentIsBadConfig(t *testing.T) {
	j := newJournal()
	g := &Group{Name: "g", AutoShutdown: AnySignificant, Services: []suture.Service{Significant(newKid(j, "a"))}}
	err := g.Serve(context.Background())
	if !errors.Is(err, ErrBadConfig) || !errors.Is(err, ErrStartFailed) {
		t.Fatalf("have %v, want a bad configuration", err)
	}
	j.empty(t)
	if err := g.Add(Significant(newKid(j, "b"))); !errors.Is(err, ErrBadConfig) {
		t.Errorf("Add: have %v, want ErrBadConfig", err)
	}
}

// The wrappers compose: the last one does not undo the first.
func TestWrappersCompose(t *testing.T) {
	k := newKid(newJournal(), "a")
	for _, svc := range []suture.Service{Significant(Transient(k)), Transient(Significant(k))} {
		s := specOf(svc)
		if s.svc != k || s.restart != transient || !s.significant {
			t.Errorf("%+v, want k, transient, significant", s)
		}
		if svc.(fmt.Stringer).String() != "a" {
			t.Errorf("String %q, want the service's", svc)
		}
	}
}

// Under a suture supervisor the wrappers speak suture's language: a
// transient service that returns nil, or a temporary one that fails or
// panics, ends for good; a transient one that fails is restarted.
func TestWrappersUnderSuture(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wrap    func(suture.Service) suture.Service
		end     func(k *kid)
		restart bool
	}{
		{"transient nil", Transient, func(k *kid) { k.fail <- nil }, false},
		{"transient error", Transient, func(k *kid) { k.fail <- errBoom }, true},
		{"temporary error", Temporary, func(k *kid) { k.fail <- errBoom }, false},
		{"temporary panic", Temporary, func(k *kid) { k.boom <- "kaboom" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJournal()
			k := newKid(j, "k")
			w := tc.wrap(k)
			if tc.restart {
				sup := suture.New("s", suture.Spec{FailureBackoff: 1})
				sup.Add(w)
				ctx, cancel := context.WithCancel(context.Background())
				done := sup.ServeBackground(ctx)
				defer func() { cancel(); seamtest.Recv(t, done, "the supervisor to stop") }()
				j.expect(t, "start k")
				tc.end(k)
				j.expect(t, "fail k", "return k", "start k")
				return
			}
			// What suture does with it is told by the error alone.
			done := make(chan error, 1)
			go func() { done <- w.Serve(context.Background()) }()
			j.expect(t, "start k")
			tc.end(k)
			err := seamtest.Recv(t, done, "Serve to return")
			if !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatalf("have %v, want an error wrapping ErrDoNotRestart", err)
			}
		})
	}
}
