package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

func TestConfigSpecDefaults(t *testing.T) {
	// Zero fields are left to suture, which fills in its own defaults.
	spec := Config{}.spec()
	if spec.FailureThreshold != 0 || spec.FailureDecay != 0 || spec.FailureBackoff != 0 || spec.Timeout != 0 {
		t.Errorf("zero Config: have %+v, want the zero fields left to suture", spec)
	}
	if c, err := (Config{}).resolve(); err != nil || c.FailureThreshold != 5 || c.FailureDecay != 30*time.Second || c.FailureBackoff != 15*time.Second || c.StopTimeout != 10*time.Second {
		t.Errorf("a Group's defaults: have %+v, want suture's: threshold 5, decay 30s, backoff 15s, timeout 10s", c)
	}
	if spec.EventHook == nil {
		t.Error("zero Config: no event hook, so suture would log to the global logger")
	}
	if defaultShutdownTimeout <= defaultStopTimeout {
		t.Errorf("default ShutdownTimeout %v must exceed the default StopTimeout %v", defaultShutdownTimeout, defaultStopTimeout)
	}
}

func TestConfigSpecCarriesValues(t *testing.T) {
	spec := Config{
		FailureThreshold: 2.5,
		FailureDecay:     1500 * time.Millisecond,
		FailureBackoff:   time.Second,
		StopTimeout:      3 * time.Second,
	}.spec()
	if spec.FailureThreshold != 2.5 || spec.FailureDecay != 1.5 || spec.FailureBackoff != time.Second || spec.Timeout != 3*time.Second {
		t.Errorf("have %+v", spec)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"negative threshold", Config{FailureThreshold: -1}, "FailureThreshold"},
		{"NaN threshold", Config{FailureThreshold: math.NaN()}, "FailureThreshold"},
		{"infinite threshold", Config{FailureThreshold: math.Inf(1)}, "FailureThreshold"},
		{"negative decay", Config{FailureDecay: -time.Second}, "FailureDecay"},
		{"negative backoff", Config{FailureBackoff: -time.Second}, "FailureBackoff"},
		{"negative stop timeout", Config{StopTimeout: -time.Nanosecond}, "StopTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("have %v, want an error wrapping ErrBadConfig", err)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.HasPrefix(err.Error(), "supervisor: ") {
				t.Errorf("error %q does not name %s with the package prefix", err, tc.field)
			}
		})
	}
	err := Config{FailureThreshold: -1, StopTimeout: -1}.Validate()
	if !strings.Contains(err.Error(), "FailureThreshold") || !strings.Contains(err.Error(), "StopTimeout") {
		t.Errorf("error %q does not name every bad field", err)
	}
}

func TestNewRestartsUntilDoNotRestart(t *testing.T) {
	sink := seamtest.NewLogs(t)
	root := New("app", Config{Logger: sink.Logger()})
	var runs atomic.Int32
	second := make(chan struct{})
	root.Add(&funcService{name: "flaky", fn: func(ctx context.Context) error {
		if runs.Add(1) == 1 {
			return errors.New("boom")
		}
		close(second)
		return fmt.Errorf("done: %w", suture.ErrDoNotRestart)
	}})
	seamtest.Start(t, root)

	seamtest.Recv(t, second, "the restart")
	seamtest.Eventually(t, "the service to be removed", func() bool { return len(root.Services()) == 0 })
	if n := runs.Load(); n != 2 {
		t.Errorf("served %d times, want 2", n)
	}
	line := logLine(t, sink, "service failed; restarting")
	checkFields(t, line, map[string]any{
		"level": "warn", "supervisor": "app", "service": "flaky",
		"restarting": true, "error": "boom", "threshold": 5.0,
	})
}

func TestNewBacksOffAndResumes(t *testing.T) {
	sink := seamtest.NewLogs(t)
	h := &Health{}
	root := New("app", Config{Logger: sink.Logger(), Health: h, FailureThreshold: 1, FailureBackoff: 10 * time.Millisecond})
	third := make(chan struct{})
	root.Add(failsThenRuns(2, third))
	seamtest.Start(t, root)

	seamtest.Recv(t, third, "the restart after the backoff")
	// The hook logs each event before the Health observes it.
	seamtest.Eventually(t, "the Health to see the resume", func() bool {
		c := h.SupervisorCounts()
		return len(c) == 1 && c[0].Backoffs == 1 && !c[0].InBackoff
	})
	checkFields(t, logLine(t, sink, "service failed; restart waits for the backoff"),
		map[string]any{"level": "error", "restarting": false, "threshold": 1.0})
	checkFields(t, logLine(t, sink, "too many failures; supervisor pauses restarts"),
		map[string]any{"level": "warn", "supervisor": "app", "backoff": true})
	checkFields(t, logLine(t, sink, "supervisor resumes restarts"),
		map[string]any{"level": "info", "supervisor": "app", "backoff": false})
}

// Suture's own default hook prints every event with the standard library's
// global logger; a zero Config must log nothing anywhere.
func TestNewZeroLoggerLogsNothing(t *testing.T) {
	global := seamtest.NewLogs(t) // written by suture's goroutine
	orig := log.Writer()
	t.Cleanup(func() { log.SetOutput(orig) }) // after the tree has stopped
	log.SetOutput(global)

	root := New("quiet", Config{})
	second := make(chan struct{})
	root.Add(failsThenRuns(1, second))
	seamtest.Start(t, root)
	seamtest.Recv(t, second, "the restart")
	// Suture calls the hook after restarting the service; a round trip to
	// its goroutine waits for the call to be over.
	root.Services()
	if lines := global.Events(""); len(lines) > 0 {
		t.Errorf("the global logger received %v", lines)
	}
}

// failsThenRuns returns a service "flaky" that fails its first n runs,
// then closes running and runs until its context ends.
func failsThenRuns(n int32, running chan struct{}) *funcService {
	var runs atomic.Int32
	return &funcService{name: "flaky", fn: func(ctx context.Context) error {
		if runs.Add(1) <= n {
			return errors.New("boom")
		}
		close(running)
		<-ctx.Done()
		return ctx.Err()
	}}
}
