//go:build unix

package supervisor

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// kill sends sig to the test process itself.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatalf("kill %v: %v", sig, err)
	}
}

// runCatching runs root under Run with cfg on a goroutine of its own, and
// returns once Run catches signals: a signal sent before would end the
// test process. Run's result comes on the channel returned. It sets
// cfg's notified hook.
func runCatching(t *testing.T, ctx context.Context, root suture.Service, cfg RunConfig) <-chan error {
	t.Helper()
	caught := make(chan struct{})
	cfg.notified = func() { close(caught) }
	done := startRun(ctx, root, cfg)
	seamtest.Recv(t, caught, "Run to catch signals")
	return done
}

func TestRunStopsOnSignal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signals []os.Signal
		send    syscall.Signal
	}{
		{"SIGTERM", nil, syscall.SIGTERM},
		{"SIGINT", nil, syscall.SIGINT},
		{"configured SIGUSR1", []os.Signal{syscall.SIGUSR1}, syscall.SIGUSR1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := seamtest.NewLogs(t)
			root := New("app", Config{})
			a := newSleeper("a")
			root.Add(a)
			done := runCatching(t, context.Background(), root, RunConfig{Logger: sink.Logger(), Signals: tc.signals})
			seamtest.Recv(t, a.running, "a to run")
			kill(t, tc.send)
			seamtest.RecvNil(t, done, "Run to return")
			checkFields(t, logLine(t, sink, "stopping"), map[string]any{
				"reason": "signal", "signal": tc.send.String(),
			})
		})
	}
}

// A second signal during a stuck stop ends Run at once, long before its
// shutdown timeout.
func TestRunSecondSignalCutsStopShort(t *testing.T) {
	root := New("app", Config{StopTimeout: time.Minute})
	t.Cleanup(func() { waitFinished(t, root) }) // after stuck is released
	stuck := newBlocker(t, "stuck")
	root.Add(stuck)

	done := runCatching(t, context.Background(), root, RunConfig{ShutdownTimeout: time.Minute})
	seamtest.Recv(t, stuck.running, "stuck to run")
	kill(t, syscall.SIGTERM)
	seamtest.Recv(t, stuck.stopping, "the stop to begin")
	kill(t, syscall.SIGTERM)
	err := seamtest.Recv(t, done, "Run to return after the second signal")
	wantUnstopped(t, err, []string{"app: stuck (not confirmed stopped)", "terminated during the stop"}, nil)
}

// The lame duck: from the first signal the Health is not ready while every
// service still runs; the second signal ends it, and only then is the tree
// cancelled, by when readiness has long been off.
func TestRunLameDuckEndsAtTheSecondSignal(t *testing.T) {
	h := &Health{}
	atStop := make(chan Phase, 1)
	running := make(chan struct{})
	svc := &funcService{name: "svc", fn: func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		atStop <- h.Phase()
		return nil
	}}
	root := &Group{Name: "app", Services: []suture.Service{svc}}
	sink := seamtest.NewLogs(t)
	done := runCatching(t, context.Background(), root, RunConfig{Logger: sink.Logger(), Health: h, LameDuck: time.Hour})
	seamtest.Recv(t, running, "svc to run")
	seamtest.Eventually(t, "the tree to be ready", h.Ready)

	kill(t, syscall.SIGTERM)
	seamtest.Eventually(t, "the lame duck", func() bool { return h.Phase() == PhaseLameDuck })
	if len(atStop) != 0 {
		t.Fatal("svc was stopped in the lame duck")
	}
	kill(t, syscall.SIGTERM)
	if p := seamtest.Recv(t, atStop, "svc to be stopped"); p != PhaseStopping {
		t.Errorf("phase when svc's ctx ended: %v, want stopping", p)
	}
	seamtest.RecvNil(t, done, "Run to return")
	// Run says why it stops, at each step.
	checkFields(t, logLine(t, sink, "lame duck: not ready, still serving"), map[string]any{"reason": "signal", "lameduck": "1h0m0s"})
	checkFields(t, logLine(t, sink, "stopping"), map[string]any{"reason": "signal during the lame duck"})
}

// A lame duck that runs out starts the stop by itself.
func TestRunLameDuckRunsOut(t *testing.T) {
	h := &Health{}
	root := &Group{Name: "app", Services: []suture.Service{newSleeper("s")}}
	sink := seamtest.NewLogs(t)
	done := runCatching(t, context.Background(), root, RunConfig{Logger: sink.Logger(), Health: h, LameDuck: time.Millisecond})
	seamtest.Eventually(t, "the tree to be ready", h.Ready)
	kill(t, syscall.SIGINT)
	seamtest.RecvNil(t, done, "Run to return")
	checkFields(t, logLine(t, sink, "stopping"), map[string]any{"reason": "lame duck over"})
}

// A context that ends during a lame duck a signal started ends it.
func TestRunLameDuckEndsWithTheContext(t *testing.T) {
	h := &Health{}
	root := &Group{Name: "app", Services: []suture.Service{newSleeper("s")}}
	sink := seamtest.NewLogs(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runCatching(t, ctx, root, RunConfig{Logger: sink.Logger(), Health: h, LameDuck: time.Hour})
	seamtest.Eventually(t, "the tree to be ready", h.Ready)
	kill(t, syscall.SIGTERM)
	seamtest.Eventually(t, "the lame duck", func() bool { return h.Phase() == PhaseLameDuck })
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
	checkFields(t, logLine(t, sink, "stopping"), map[string]any{"reason": "context during the lame duck"})
}
