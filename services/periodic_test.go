package services

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

func TestPeriodicRunsRepeatedly(t *testing.T) {
	ran := make(chan struct{}, 1)
	p := &Periodic{Name: "tick", Interval: time.Millisecond, Job: func(ctx context.Context) error {
		select {
		case ran <- struct{}{}:
		default:
		}
		return nil
	}}
	s := serve(t, p)
	for i := range 3 {
		select {
		case <-ran:
		case <-time.After(waitFor):
			t.Fatalf("run %d did not come within %v", i+1, waitFor)
		}
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
}

func TestPeriodicStopsOnCancel(t *testing.T) {
	var runs atomic.Int32
	p := &Periodic{Interval: time.Hour, Job: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	s := serve(t, p)
	if err := s.stop(t); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("Func ran %d times before the first Interval had passed", n)
	}
}

func TestPeriodicStopsDuringRun(t *testing.T) {
	running := make(chan struct{})
	p := &Periodic{Interval: time.Millisecond, Job: func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		return ctx.Err() // the stop's error is not a failure
	}}
	s := serve(t, p)
	waitClosed(t, running, "Func to run")
	if err := s.stop(t); err != nil {
		t.Fatalf("Serve after cancel during a run = %v, want nil", err)
	}
}

func TestPeriodicReturnsFuncError(t *testing.T) {
	errBoom := errors.New("boom")
	var runs atomic.Int32
	p := &Periodic{Name: "flush", Interval: time.Millisecond, Job: func(context.Context) error {
		if runs.Add(1) == 2 {
			return errBoom
		}
		return nil
	}}
	err := serve(t, p).wait(t)
	if !errors.Is(err, errBoom) || err.Error() != `services: periodic "flush": boom` {
		t.Fatalf("Serve = %v, want %q wrapping Func's error", err, `services: periodic "flush": boom`)
	}
	if errors.Is(err, suture.ErrDoNotRestart) {
		t.Errorf("Serve's error %v would stop the supervisor from restarting it", err)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("Func ran %d times, want 2: Serve must end at the first error", n)
	}
}

func TestPeriodicDropsTicksDuringRun(t *testing.T) {
	ticks := make(chan time.Time)
	runs := make(chan struct{})
	t0 := time.Unix(1_000_000, 0)
	p := &Periodic{Interval: time.Second, Job: func(context.Context) error {
		runs <- struct{}{}
		return nil
	}}
	p.newTicker = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
	p.now = func() time.Time { return t0.Add(2500 * time.Millisecond) } // every run ends at t0+2.5s
	serve(t, p)

	tick := func(at time.Duration) {
		t.Helper()
		select {
		case ticks <- t0.Add(at):
		case <-runs:
			t.Fatalf("Func ran before the tick at t0+%v was due", at)
		case <-time.After(waitFor):
			t.Fatalf("Serve did not take the tick at t0+%v", at)
		}
	}
	tick(1 * time.Second)
	waitRun(t, runs)
	// The run took until t0+2.5s: the tick due at t0+2s fell during it.
	tick(2 * time.Second)
	tick(3 * time.Second)
	waitRun(t, runs)
}

func waitRun(t *testing.T, runs <-chan struct{}) {
	t.Helper()
	select {
	case <-runs:
	case <-time.After(waitFor):
		t.Fatal("Func did not run on a tick due after the last run")
	}
}

func TestPeriodicConfigErrors(t *testing.T) {
	nop := func(context.Context) error { return nil }
	tests := []struct {
		name string
		p    *Periodic
		want error
	}{
		{"no Func", &Periodic{Interval: time.Second}, ErrNoFunc},
		{"zero Interval", &Periodic{Job: nop}, ErrBadConfig},
		{"negative Interval", &Periodic{Job: nop, Interval: -time.Second}, ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			tt.p.Logger = zerolog.New(&logs)
			err := serve(t, tt.p).wait(t)
			if !errors.Is(err, tt.want) || !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatalf("Serve = %v, want an error wrapping %v and suture.ErrDoNotRestart", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), `services: `) || !strings.Contains(err.Error(), `periodic "periodic"`) {
				t.Errorf("error text %q: want a services: prefix and the service's name", err)
			}
			if line := logLine(t, logs.String(), "periodic not started"); line["level"] != "error" {
				t.Errorf("configuration error logged as %v, want at error", line)
			}
		})
	}
}

func TestPeriodicUnderSupervisor(t *testing.T) {
	var runs atomic.Int32
	again := make(chan struct{})
	p := &Periodic{Name: "expire", Interval: time.Millisecond, Job: func(context.Context) error {
		switch runs.Add(1) {
		case 1:
			return errors.New("fault")
		case 2:
			panic("bug")
		case 3:
			close(again)
		}
		return nil
	}}
	if have := p.String(); have != "expire" {
		t.Errorf("String() = %q, want %q", have, "expire")
	}
	_, ev := startSupervisor(t, p)

	e := nextEvent[suture.EventServiceTerminate](t, ev)
	if err, _ := e.Err.(error); e.ServiceName != "expire" || !e.Restarting || err == nil || err.Error() != `services: periodic "expire": fault` {
		t.Errorf("event = %v, want expire restarting after its fault", e)
	}
	// A panic is left to suture, which recovers it and restarts the service.
	pe := nextEvent[suture.EventServicePanic](t, ev)
	if pe.ServiceName != "expire" || !pe.Restarting || pe.PanicMsg != "bug" {
		t.Errorf("event = %v, want expire restarting after its panic", pe)
	}
	waitClosed(t, again, "the restarted service to run again")
}
