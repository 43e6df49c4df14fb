package services

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/internal/pause"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// flaky is a service that fails its first n runs with err and then runs
// until its ctx ends. Each run is announced on runs.
type flaky struct {
	n    int
	err  error
	runs chan int

	mu    sync.Mutex
	count int
	after func() // called by each run before it returns, to move a fake clock
}

func newFlaky(n int, err error) *flaky {
	return &flaky{n: n, err: err, runs: make(chan int, 1000)}
}

func (f *flaky) Serve(ctx context.Context) error {
	f.mu.Lock()
	f.count++
	run := f.count
	f.mu.Unlock()
	f.runs <- run
	if f.after != nil {
		f.after()
	}
	if run <= f.n {
		return f.err
	}
	<-ctx.Done()
	return nil
}

func (f *flaky) String() string { return "flaky" }

// waitStarted waits until f has started run number want.
func waitStarted(t *testing.T, f *flaky, want int) {
	t.Helper()
	deadline := time.After(seamtest.Wait)
	for {
		select {
		case have := <-f.runs:
			if have >= want {
				return
			}
		case <-deadline:
			t.Fatalf("run %d of the service did not start", want)
		}
	}
}

var errDiskFull = errors.New("no space left on device")

// A service that fails a few times is retried in place, the pause doubling
// from MinDelay up to MaxDelay, and Serve keeps running once it succeeds.
func TestRetryBacksOffInPlace(t *testing.T) {
	f := newFlaky(6, errDiskFull)
	s := &seamtest.Pauses{}
	r := &Retry{Service: f, MinDelay: 100 * time.Millisecond, MaxDelay: time.Second, sleep: s.Sleep}
	sv := seamtest.Go(t, r)
	waitStarted(t, f, 7)
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if have := s.List(); !slices.Equal(have, want) {
		t.Fatalf("pauses %v, want %v", have, want)
	}
	sv.Cancel()
	if err := sv.Wait(t); err != nil {
		t.Fatalf("Serve returned %v after its ctx ended, want nil", err)
	}
}

// After MaxRetries retries in a row, the failure goes to the supervisor,
// wrapped so that errors.Is still finds it.
func TestRetryGivesUpAfterMaxRetries(t *testing.T) {
	f := newFlaky(1<<30, errDiskFull)
	s := &seamtest.Pauses{}
	r := &Retry{Service: f, MaxRetries: 3, sleep: s.Sleep}
	err := r.Serve(context.Background())
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Serve returned %v, want the service's error", err)
	}
	if have := len(f.runs); have != 4 {
		t.Fatalf("the service ran %d times, want 1 + MaxRetries = 4", have)
	}
	if have := len(s.List()); have != 3 {
		t.Fatalf("%d pauses, want 3", have)
	}
}

// A run that lasted Healthy is a success: the next failure starts a new
// series, from MinDelay and counting from one.
func TestRetryHealthyRunResets(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	f := newFlaky(1<<30, errDiskFull)
	f.after = func() {
		mu.Lock()
		defer mu.Unlock()
		if f.count == 3 {
			now = now.Add(time.Minute) // the third run lasts long
		}
	}
	s := &seamtest.Pauses{}
	r := &Retry{
		Service: f, MinDelay: time.Millisecond, MaxDelay: 8 * time.Millisecond, MaxRetries: 3,
		sleep: s.Sleep,
		now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		},
	}
	err := r.Serve(context.Background())
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Serve returned %v", err)
	}
	want := []time.Duration{1, 2, 1, 2, 4} // reset after run 3; then 3 retries
	for i := range want {
		want[i] *= time.Millisecond
	}
	if have := s.List(); !slices.Equal(have, want) {
		t.Fatalf("pauses %v, want %v", have, want)
	}
}

// A negative MaxRetries never gives up.
func TestRetryNoCap(t *testing.T) {
	f := newFlaky(200, errDiskFull)
	s := &seamtest.Pauses{}
	sv := seamtest.Go(t, &Retry{Service: f, MaxRetries: -1, sleep: s.Sleep})
	waitStarted(t, f, 201)
	select {
	case <-sv.Done():
		t.Fatalf("Serve returned %v", sv.Wait(t))
	default:
	}
}

// A service that asks to end, or to end its tree, is not retried, and
// neither is one that failed before it was ready.
func TestRetryPassesThrough(t *testing.T) {
	notReady := &readyFlaky{flaky: newFlaky(1<<30, errDiskFull), ready: make(chan struct{})}
	for _, tc := range []struct {
		name string
		svc  suture.Service
		want error
	}{
		{"do not restart", newFlaky(1, fmt.Errorf("done: %w", suture.ErrDoNotRestart)), suture.ErrDoNotRestart},
		{"terminate tree", newFlaky(1, fmt.Errorf("fatal: %w", suture.ErrTerminateSupervisorTree)), suture.ErrTerminateSupervisorTree},
		{"before ready", notReady, errDiskFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &seamtest.Pauses{}
			err := (&Retry{Service: tc.svc, sleep: s.Sleep}).Serve(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("Serve returned %v, want %v", err, tc.want)
			}
			if len(s.List()) != 0 {
				t.Fatalf("paused %v before returning", s.List())
			}
		})
	}
}

// A stop during a pause cuts it short.
func TestRetryStopDuringPause(t *testing.T) {
	f := newFlaky(1, errDiskFull)
	pausing := make(chan struct{})
	r := &Retry{Service: f, MinDelay: time.Hour, sleep: func(ctx context.Context, d time.Duration) bool {
		close(pausing)
		return pause.For(ctx, d)
	}}
	sv := seamtest.Go(t, r)
	<-pausing
	sv.Cancel()
	if err := sv.Wait(t); err != nil {
		t.Fatalf("Serve returned %v, want nil", err)
	}
}

// readyFlaky is a flaky with a Ready channel and live parts of its own.
type readyFlaky struct {
	*flaky
	ready chan struct{}
}

func (r *readyFlaky) Ready() <-chan struct{} { return r.ready }
func (r *readyFlaky) LiveWork() []string     { return []string{"part"} }

// Retry forwards Ready and LiveWork, and is named as its service.
func TestRetryForwards(t *testing.T) {
	rf := &readyFlaky{flaky: newFlaky(0, nil), ready: make(chan struct{})}
	r := &Retry{Service: rf}
	if r.Ready() != (<-chan struct{})(rf.ready) {
		t.Fatal("Ready is not the service's")
	}
	var wr supervisor.WorkReporter = r
	if have := wr.LiveWork(); !slices.Equal(have, []string{"part"}) {
		t.Fatalf("LiveWork = %v", have)
	}
	if r.String() != "flaky" {
		t.Fatalf("String = %q", r.String())
	}

	// Without a Ready of its own, the service is ready once started.
	f := newFlaky(0, nil)
	plain := &Retry{Service: f}
	ready := plain.Ready()
	if isClosed(ready) {
		t.Fatal("ready before Serve")
	}
	seamtest.Go(t, plain)
	select {
	case <-ready:
	case <-time.After(seamtest.Wait):
		t.Fatal("not ready after the service started")
	}
	if plain.LiveWork() != nil {
		t.Fatal("LiveWork of a service without parts is not nil")
	}
}

func TestRetryBadConfig(t *testing.T) {
	for _, r := range []*Retry{{}, {Service: newFlaky(0, nil), MinDelay: -1}} {
		err := r.Serve(context.Background())
		if !errors.Is(err, supervisor.ErrBadConfig) || !errors.Is(err, suture.ErrDoNotRestart) {
			t.Fatalf("Serve = %v, want supervisor.ErrBadConfig and ErrDoNotRestart", err)
		}
	}
}

// In a supervisor.Group with suture's default intensity (5 failures, then
// a 15s pause), a service that fails ten times in a row is back without
// any pause of the group: its failures never reach the group, and its
// sibling, started after it, is never restarted.
func TestRetryKeepsGroupOutOfBackoff(t *testing.T) {
	f := newFlaky(10, errDiskFull)
	sibling := newFlaky(0, nil)
	g := &supervisor.Group{
		Name:     "app",
		Services: []suture.Service{&Retry{Service: f, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}, sibling},
	}
	seamtest.Go(t, g)
	waitStarted(t, f, 11)
	select {
	case <-g.Ready():
	case <-time.After(seamtest.Wait):
		t.Fatal("group not ready")
	}
	if have := len(sibling.runs); have != 1 {
		t.Fatalf("the sibling ran %d times, want once", have)
	}
}
