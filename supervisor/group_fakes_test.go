package supervisor

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seamgo/seam/internal/eventhook"
	"github.com/seamgo/seam/listener/seamtest"
)

// journal is what the children of a group test saw, in the order they saw
// it: "start a", "stop a" (its ctx ended), "return a" (its Serve is about
// to return), "fail a" (it returns an error the test asked for).
type journal struct {
	c chan string
}

func newJournal() *journal { return &journal{c: make(chan string, 1000)} }

func (j *journal) add(entry string) { j.c <- entry }

// expect reads the next entries and checks that they are want, in order.
func (j *journal) expect(t *testing.T, want ...string) {
	t.Helper()
	have := make([]string, 0, len(want))
	for range want {
		select {
		case e := <-j.c:
			have = append(have, e)
		case <-time.After(seamtest.Wait):
			t.Fatalf("journal: have %q, then nothing; want %q", have, want)
		}
	}
	if !slices.Equal(have, want) {
		t.Fatalf("journal: have %q, want %q", have, want)
	}
}

// expectStop stops a group with stop, checks that its Serve returned nil
// and that the journal then reads want, and nothing more.
func (j *journal) expectStop(t *testing.T, stop func() error, want ...string) {
	t.Helper()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	j.expect(t, want...)
	j.empty(t)
}

// empty checks that nothing more was journalled; call it once every child
// has returned, so that nothing more can be.
func (j *journal) empty(t *testing.T) {
	t.Helper()
	select {
	case e := <-j.c:
		t.Fatalf("journal: unexpected %q", e)
	default:
	}
}

// kid is a child that journals its life. It is ready at once, unless late,
// when it is ready once the test calls setReady. Its Serve returns when its
// ctx ends or with the error the test sends on fail.
type kid struct {
	name string
	j    *journal
	late bool

	// startCheck, if set, is called at the start of each Serve, and its
	// result journalled: "start c (b ready)".
	startCheck func() string

	fail chan error
	boom chan any

	mu    sync.Mutex
	ready chan struct{}
}

func newKid(j *journal, name string) *kid {
	return &kid{name: name, j: j, fail: make(chan error), boom: make(chan any), ready: make(chan struct{})}
}

func (k *kid) Serve(ctx context.Context) error {
	entry := "start " + k.name
	if k.startCheck != nil {
		entry += " (" + k.startCheck() + ")"
	}
	k.j.add(entry)
	if !k.late {
		k.setReady()
	}
	defer func() {
		// A fresh readiness for the next incarnation, as a service
		// that is ready only while it serves would have.
		k.mu.Lock()
		select {
		case <-k.ready:
			k.ready = make(chan struct{})
		default:
		}
		k.mu.Unlock()
		k.j.add("return " + k.name)
	}()
	select {
	case <-ctx.Done():
		k.j.add("stop " + k.name)
		return ctx.Err()
	case err := <-k.fail:
		k.j.add("fail " + k.name)
		return err
	case v := <-k.boom:
		k.j.add("panic " + k.name)
		panic(v)
	}
}

func (k *kid) String() string { return k.name }

func (k *kid) Ready() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ready
}

func (k *kid) setReady() {
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case <-k.ready:
	default:
		close(k.ready)
	}
}

func (k *kid) isReady() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case <-k.ready:
		return true
	default:
		return false
	}
}

// failWith makes the running kid return err.
func (k *kid) failWith(t *testing.T, err error) {
	t.Helper()
	select {
	case k.fail <- err:
	case <-time.After(seamtest.Wait):
		t.Fatalf("%s is not running to fail", k.name)
	}
}

var errBoom = errors.New("boom")

// serveGroup serves g until the test ends; stop cancels it and returns
// Serve's result.
func serveGroup(t *testing.T, g *Group) (stop func() error) {
	t.Helper()
	return serveGroupCtx(t, context.Background(), g)
}

// serveObserved serves g as serveGroup does, and returns the events g
// sends to its hook, as Run's Health would see them.
func serveObserved(t *testing.T, g *Group) (stop func() error, events *seamtest.Events) {
	t.Helper()
	events = seamtest.NewEvents()
	return serveGroupCtx(t, eventhook.WithObserver(context.Background(), events.Hook), g), events
}

func serveGroupCtx(t *testing.T, parent context.Context, g *Group) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = seamtest.Recv(t, done, "the group's Serve to return")
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}
