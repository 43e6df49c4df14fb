package services

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
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
	s := seamtest.Start(t, p)
	for i := range 3 {
		seamtest.Recv(t, ran, fmt.Sprintf("run %d", i+1))
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
}

func TestPeriodicStopsOnCancel(t *testing.T) {
	var runs atomic.Int32
	p := &Periodic{Interval: time.Hour, Job: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	s := seamtest.Start(t, p)
	if err := s.Stop(); err != nil {
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
	s := seamtest.Start(t, p)
	seamtest.Recv(t, running, "Func to run")
	if err := s.Stop(); err != nil {
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
	err := seamtest.Go(t, p).Wait(t)
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
	seamtest.Start(t, p)

	tick := func(at time.Duration) {
		t.Helper()
		select {
		case ticks <- t0.Add(at):
		case <-runs:
			t.Fatalf("Func ran before the tick at t0+%v was due", at)
		case <-time.After(seamtest.Wait):
			t.Fatalf("Serve did not take the tick at t0+%v", at)
		}
	}
	tick(1 * time.Second)
	seamtest.Recv(t, runs, "Func to run on a tick due after the last run")
	// The run took until t0+2.5s: the tick due at t0+2s fell during it.
	tick(2 * time.Second)
	tick(3 * time.Second)
	seamtest.Recv(t, runs, "Func to run on a tick due after the last run")
}

func TestPeriodicConfigErrors(t *testing.T) {
	nop := func(context.Context) error { return nil }
	tests := []struct {
		name string
		p    *Periodic
		want error
	}{
		{"no Func", &Periodic{Interval: time.Second}, errNoFunc},
		{"zero Interval", &Periodic{Job: nop}, supervisor.ErrBadConfig},
		{"negative Interval", &Periodic{Job: nop, Interval: -time.Second}, supervisor.ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := seamtest.NewLogs(t)
			tt.p.Logger = logs.Logger()
			err := seamtest.Go(t, tt.p).Wait(t)
			if !errors.Is(err, tt.want) || !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatalf("Serve = %v, want an error wrapping %v and suture.ErrDoNotRestart", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), `services: `) || !strings.Contains(err.Error(), `periodic "periodic"`) {
				t.Errorf("error text %q: want a services: prefix and the service's name", err)
			}
			if line := logs.WaitFor(t, "periodic not started"); line["level"] != "error" {
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

	e := seamtest.NextEvent[suture.EventServiceTerminate](t, ev)
	if err, _ := e.Err.(error); e.ServiceName != "expire" || !e.Restarting || err == nil || err.Error() != `services: periodic "expire": fault` {
		t.Errorf("event = %v, want expire restarting after its fault", e)
	}
	// A panic is left to suture, which recovers it and restarts the service.
	pe := seamtest.NextEvent[suture.EventServicePanic](t, ev)
	if pe.ServiceName != "expire" || !pe.Restarting || pe.PanicMsg != "bug" {
		t.Errorf("event = %v, want expire restarting after its panic", pe)
	}
	seamtest.Recv(t, again, "the restarted service to run again")
}
