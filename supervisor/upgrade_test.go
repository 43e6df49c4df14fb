//go:build unix

package supervisor

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
)

// fakeUpgrader is a channel-driven Upgrader: each Upgrade reports itself on
// upgrading and returns what the test sends on result; a nil result closes
// Exit first, as tableflip does once the successor is ready.
type fakeUpgrader struct {
	ready     chan struct{}
	upgrading chan struct{}
	result    chan error
	exit      chan struct{}
	stopOnce  sync.Once
	stopped   chan struct{}
}

func newFakeUpgrader() *fakeUpgrader {
	return &fakeUpgrader{
		ready:     make(chan struct{}, 1),
		upgrading: make(chan struct{}, 2),
		result:    make(chan error),
		exit:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
}

func (f *fakeUpgrader) Ready() error { f.ready <- struct{}{}; return nil }

func (f *fakeUpgrader) Upgrade() error {
	f.upgrading <- struct{}{}
	select {
	case err := <-f.result:
		if err == nil {
			close(f.exit)
		}
		return err
	case <-f.stopped:
		return errors.New("terminating")
	}
}

func (f *fakeUpgrader) Exit() <-chan struct{} { return f.exit }

func (f *fakeUpgrader) Stop() { f.stopOnce.Do(func() { close(f.stopped) }) }

// An upgrade signal starts an upgrade; a failed one leaves the tree
// serving, and the next one, once the successor is ready, stops the tree
// gracefully and Run returns nil, having stopped the Upgrader.
func TestRunUpgradeStopsTheTreeOnceTheSuccessorIsReady(t *testing.T) {
	stopped := make(chan struct{})
	running := make(chan struct{})
	svc := &funcService{name: "svc", fn: func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		close(stopped)
		return nil
	}}
	root := &Group{Name: "app", Services: []suture.Service{svc}}
	up := newFakeUpgrader()
	sink := seamtest.NewLogs(t)
	done := runCatching(t, context.Background(), root, RunConfig{Logger: sink.Logger(), Upgrader: up})
	seamtest.Recv(t, running, "svc to run")
	seamtest.Recv(t, up.ready, "Run to call Ready once the tree is ready")

	kill(t, syscall.SIGHUP)
	seamtest.Recv(t, up.upgrading, "the first upgrade")
	up.result <- errors.New("child exited")
	checkFields(t, logLine(t, sink, "upgrade failed; still serving"), map[string]any{"error": "child exited"})
	select {
	case <-stopped:
		t.Fatal("a failed upgrade stopped the tree")
	default:
	}

	kill(t, syscall.SIGHUP)
	seamtest.Recv(t, up.upgrading, "the second upgrade")
	up.result <- nil
	seamtest.Recv(t, stopped, "svc to stop after the upgrade")
	seamtest.RecvNil(t, done, "Run to return")
	checkFields(t, logLine(t, sink, "stopping"), map[string]any{"reason": "upgraded"})
	seamtest.Recv(t, up.stopped, "Run to stop the Upgrader")
}

// A stop signal during an upgrade stops the Upgrader, which ends the
// upgrade, and Run waits for it before returning.
func TestRunStopDuringAnUpgradeEndsIt(t *testing.T) {
	root := New("app", Config{})
	a := newSleeper("a")
	root.Add(a)
	up := newFakeUpgrader()
	sink := seamtest.NewLogs(t)
	done := runCatching(t, context.Background(), root, RunConfig{Logger: sink.Logger(), Upgrader: up})
	seamtest.Recv(t, up.ready, "Run to call Ready")
	kill(t, syscall.SIGHUP)
	seamtest.Recv(t, up.upgrading, "the upgrade")
	kill(t, syscall.SIGTERM)
	seamtest.RecvNil(t, done, "Run to return")
	checkFields(t, logLine(t, sink, "upgrade failed; still serving"), map[string]any{"error": "terminating"})
}
