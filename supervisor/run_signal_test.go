//go:build unix

package supervisor

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// kill sends sig to the test process itself.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatalf("kill %v: %v", sig, err)
	}
}

// notifiedConfig returns cfg with its notified hook set, and the channel
// that hook closes once Run catches signals: sending one before would end
// the test process.
func notifiedConfig(cfg RunConfig) (RunConfig, <-chan struct{}) {
	ready := make(chan struct{})
	cfg.notified = func() { close(ready) }
	return cfg, ready
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
			cfg, ready := notifiedConfig(RunConfig{Logger: sink.Logger(), Signals: tc.signals})
			done := startRun(context.Background(), root, cfg)
			seamtest.Recv(t, ready, "Run to catch signals")
			seamtest.Recv(t, a.running, "a to run")
			kill(t, tc.send)
			if err := seamtest.Recv(t, done, "Run to return"); err != nil {
				t.Fatalf("Run: %v", err)
			}
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

	cfg, ready := notifiedConfig(RunConfig{ShutdownTimeout: time.Minute})
	done := startRun(context.Background(), root, cfg)
	seamtest.Recv(t, ready, "Run to catch signals")
	seamtest.Recv(t, stuck.running, "stuck to run")
	kill(t, syscall.SIGTERM)
	seamtest.Recv(t, stuck.stopping, "the stop to begin")
	kill(t, syscall.SIGTERM)
	err := seamtest.Recv(t, done, "Run to return after the second signal")
	wantUnstopped(t, err, []string{"app: stuck (not confirmed stopped)", "terminated during the stop"}, nil)
}
