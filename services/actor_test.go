package services

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// gate is a message that makes the test actor's Handle wait until the
// test opens it, so that the mailbox fills up behind it.
type gate struct {
	entered chan struct{}
	open    chan struct{}
}

// testMsg is the test actor's message: add to the counter, or act.
type testMsg struct {
	add   int
	peek  bool // reply with a copy of the log
	gate  *gate
	fail  error
	panic bool
}

// newCounter returns an actor whose state is a counter and a log of what
// it handled, with the number of Inits counted in inits.
func newCounter(mailbox int, inits *int32) *Actor[[]int, testMsg, []int] {
	var mu sync.Mutex
	return &Actor[[]int, testMsg, []int]{
		Name:    "counter",
		Mailbox: mailbox,
		Init: func(ctx context.Context) ([]int, error) {
			mu.Lock()
			*inits++
			mu.Unlock()
			return nil, nil
		},
		Handle: func(ctx context.Context, seen *[]int, m testMsg) ([]int, error) {
			switch {
			case m.gate != nil:
				close(m.gate.entered)
				<-m.gate.open
			case m.panic:
				panic("boom")
			case m.fail != nil:
				return nil, m.fail
			case m.peek:
				return append([]int(nil), *seen...), nil
			}
			*seen = append(*seen, m.add)
			return nil, nil
		},
	}
}

func TestActorCallCastOrder(t *testing.T) {
	var inits int32
	a := newCounter(0, &inits)
	seamtest.Go(t, a)
	seamtest.Recv(t, a.Ready(), "ready")

	const senders, each = 4, 200
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m := testMsg{add: s*each + i}
				if i%2 == 0 {
					if _, err := a.Call(context.Background(), m); err != nil {
						t.Errorf("Call: %v", err)
						return
					}
				} else {
					for a.Cast(m) != nil {
						// A full mailbox pushes back; a Call waits for room.
						if _, err := a.Call(context.Background(), testMsg{add: -1}); err != nil {
							t.Errorf("Call: %v", err)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	seen := peek(t, a)
	last := map[int]int{}
	count := 0
	for _, v := range seen {
		if v == -1 {
			continue
		}
		count++
		s := v / each
		if prev, ok := last[s]; ok && v <= prev {
			t.Fatalf("sender %d: %d handled after %d", s, v, prev)
		}
		last[s] = v
	}
	if count != senders*each {
		t.Fatalf("handled %d messages, want %d", count, senders*each)
	}
}

// peek returns the test actor's log, read through the actor itself.
func peek(t *testing.T, a *Actor[[]int, testMsg, []int]) []int {
	t.Helper()
	seen, err := a.Call(context.Background(), testMsg{peek: true})
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	return seen
}

// eventuallyQueued waits until n messages wait in a's mailbox.
func eventuallyQueued(t *testing.T, a *Actor[[]int, testMsg, []int], n int) {
	t.Helper()
	seamtest.Eventually(t, fmt.Sprintf("%d messages in the mailbox", n), func() bool {
		inc := a.cur.Load()
		return inc != nil && len(inc.mailbox) == n
	})
}

func TestActorMailboxFull(t *testing.T) {
	var inits int32
	a := newCounter(2, &inits)
	seamtest.Go(t, a)
	seamtest.Recv(t, a.Ready(), "ready")

	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	if err := a.Cast(testMsg{gate: g}); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, g.entered, "handler entered")
	for i := range 2 {
		if err := a.Cast(testMsg{add: i}); err != nil {
			t.Fatalf("Cast %d into a mailbox with room: %v", i, err)
		}
	}
	err := a.Cast(testMsg{add: 9})
	if !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("Cast to a full mailbox: %v; want ErrMailboxFull", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Call(ctx, testMsg{add: 9}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call with a full mailbox and a cancelled ctx: %v", err)
	}
	close(g.open)
	if _, err := a.Call(context.Background(), testMsg{add: 3}); err != nil {
		t.Fatalf("Call after the gate: %v", err)
	}
	if seen := peek(t, a); fmt.Sprint(seen) != "[0 0 1 3]" {
		t.Fatalf("handled %v; want [0 0 1 3] (the gate, the two casts, the call)", seen)
	}
}

func TestActorFailureReleasesCallersAndRestarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  testMsg
		want any
	}{
		{"error", testMsg{fail: errors.New("bad state")}, nil},
		{"panic", testMsg{panic: true}, &ActorPanicError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inits int32
			a := newCounter(8, &inits)
			_, ev := startSupervisor(t, a)
			seamtest.Recv(t, a.Ready(), "ready")
			if _, err := a.Call(context.Background(), testMsg{add: 1}); err != nil {
				t.Fatal(err)
			}
			first, err := a.Incarnation()
			if err != nil || first.Gen != 1 {
				t.Fatalf("Incarnation: %+v, %v; want gen 1", first, err)
			}

			g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
			if err := a.Cast(testMsg{gate: g}); err != nil {
				t.Fatal(err)
			}
			seamtest.Recv(t, g.entered, "handler entered")
			// Calls queued behind the gate, then the failing one.
			errs := make(chan error, 3)
			call := func(m testMsg) {
				_, err := a.Call(context.Background(), m)
				errs <- err
			}
			go call(tc.msg)
			eventuallyQueued(t, a, 1)
			go call(testMsg{add: 2})
			go call(testMsg{add: 3})
			eventuallyQueued(t, a, 3)
			close(g.open)
			for range 3 {
				if err := <-errs; !errors.Is(err, ErrActorRestarted) {
					t.Fatalf("a Call waiting at the failure: %v; want ErrActorRestarted", err)
				}
			}
			seamtest.Recv(t, first.Done(), "the first incarnation's end")
			fail := seamtest.NextEvent[suture.EventServiceTerminate](t, ev)
			if err, _ := fail.Err.(error); tc.want != nil && !errorsAsPanic(err) {
				t.Fatalf("the supervisor saw %v; want an ActorPanicError", fail.Err)
			}

			// Restarted with a fresh state.
			seamtest.Recv(t, a.Ready(), "ready again")
			if _, err := a.Call(context.Background(), testMsg{add: 5}); err != nil {
				t.Fatalf("Call after the restart: %v", err)
			}
			if seen := peek(t, a); fmt.Sprint(seen) != "[5]" {
				t.Fatalf("after the restart the state is %v; want [5] (a fresh state)", seen)
			}
			second, _ := a.Incarnation()
			if second.Gen <= first.Gen || inits != 2 {
				t.Fatalf("after the restart: gen %d (was %d), %d inits; want a higher gen and 2 inits", second.Gen, first.Gen, inits)
			}
		})
	}
}

func errorsAsPanic(err error) bool {
	var pe *ActorPanicError
	return errors.As(err, &pe) && pe.Value == "boom" && pe.Stack != ""
}

func TestActorStopped(t *testing.T) {
	var inits int32
	a := newCounter(0, &inits)
	if _, err := a.Call(context.Background(), testMsg{}); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Call before Serve: %v; want ErrActorStopped", err)
	}
	if err := a.Cast(testMsg{}); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Cast before Serve: %v; want ErrActorStopped", err)
	}
	s := seamtest.Go(t, a)
	seamtest.Recv(t, a.Ready(), "ready")
	inc, _ := a.Incarnation()

	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	if err := a.Cast(testMsg{gate: g}); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, g.entered, "handler entered")
	errc := make(chan error, 1)
	go func() {
		_, err := a.Call(context.Background(), testMsg{add: 1})
		errc <- err
	}()
	eventuallyQueued(t, a, 1)
	s.Cancel()
	close(g.open)
	if err := s.Wait(t); err != nil {
		t.Fatalf("Serve after a stop: %v", err)
	}
	if err := <-errc; !errors.Is(err, ErrActorStopped) {
		t.Fatalf("a Call waiting at the stop: %v; want ErrActorStopped", err)
	}
	seamtest.Recv(t, inc.Done(), "incarnation end")
	if _, err := a.Call(context.Background(), testMsg{}); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Call after the stop: %v; want ErrActorStopped", err)
	}
	if err := a.Cast(testMsg{}); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Cast after the stop: %v; want ErrActorStopped", err)
	}
	if _, err := a.Incarnation(); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Incarnation after the stop: %v; want ErrActorStopped", err)
	}
	if isClosed(a.Ready()) {
		t.Fatal("Ready still closed after the stop; want a fresh channel for the next start")
	}
}

func TestActorBadConfig(t *testing.T) {
	for _, a := range []*Actor[int, int, int]{
		{Name: "nohandle"},
		{Name: "mailbox", Mailbox: -1, Handle: func(context.Context, *int, int) (int, error) { return 0, nil }},
	} {
		err := a.Serve(context.Background())
		if !errors.Is(err, supervisor.ErrBadConfig) || !errors.Is(err, suture.ErrDoNotRestart) {
			t.Errorf("%s: Serve: %v; want supervisor.ErrBadConfig and ErrDoNotRestart", a, err)
		}
	}
}

func TestActorInitFails(t *testing.T) {
	want := errors.New("no disk")
	a := &Actor[int, int, int]{
		Init:   func(context.Context) (int, error) { return 0, want },
		Handle: func(context.Context, *int, int) (int, error) { return 0, nil },
	}
	if err := a.Serve(context.Background()); !errors.Is(err, want) {
		t.Fatalf("Serve: %v; want the Init error", err)
	}
	if isClosed(a.Ready()) {
		t.Fatal("Ready closed although Init failed")
	}
}

// A supervisor.Group starts the child after an actor only once its Init
// has run: that child can Call it at once.
func TestActorInGroup(t *testing.T) {
	a := &Actor[map[string]int, string, int]{
		Name: "registry",
		Init: func(context.Context) (map[string]int, error) { return map[string]int{"boot": 1}, nil },
		Handle: func(_ context.Context, m *map[string]int, k string) (int, error) {
			(*m)[k]++
			return (*m)[k], nil
		},
	}
	got := make(chan error, 1)
	user := Func("user", func(ctx context.Context) error {
		n, err := a.Call(ctx, "boot")
		if err == nil && n != 2 {
			err = fmt.Errorf("boot counted %d; want 2", n)
		}
		got <- err
		<-ctx.Done()
		return nil
	})
	g := &supervisor.Group{Name: "app", Services: []suture.Service{a, user}}
	seamtest.Go(t, g)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(seamtest.Wait):
		t.Fatal("the child after the actor did not run")
	}
}

func TestActorServedTwice(t *testing.T) {
	var inits int32
	a := newCounter(0, &inits)
	seamtest.Go(t, a)
	seamtest.Recv(t, a.Ready(), "ready")
	if err := a.Serve(context.Background()); !errors.Is(err, supervisor.ErrAlreadyServing) {
		t.Fatalf("second Serve: %v; want supervisor.ErrAlreadyServing", err)
	}
}
