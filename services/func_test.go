package services

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestFuncString(t *testing.T) {
	svc := Func("aof", func(context.Context) error { return nil })
	s, ok := svc.(fmt.Stringer)
	if !ok {
		t.Fatal("Func's service has no String method")
	}
	if have := s.String(); have != "aof" {
		t.Errorf("String() = %q, want %q", have, "aof")
	}
}

func TestFuncServeCallsFn(t *testing.T) {
	type key struct{}
	errBoom := errors.New("boom")
	var seen any
	svc := Func("job", func(ctx context.Context) error {
		seen = ctx.Value(key{})
		return errBoom
	})
	err := svc.Serve(context.WithValue(context.Background(), key{}, "ctx"))
	if err != errBoom { //nolint:errorlint // Func must return fn's error itself
		t.Errorf("Serve = %v, want fn's error unchanged", err)
	}
	if seen != "ctx" {
		t.Errorf("fn saw ctx value %v, want Serve's ctx", seen)
	}
}

func TestFuncNil(t *testing.T) {
	err := Func("none", nil).Serve(context.Background())
	if !errors.Is(err, errNoFunc) || err.Error() != `services: invalid configuration: no func: func "none"` {
		t.Fatalf("Serve of a nil func = %v, want an error wrapping errNoFunc", err)
	}
	if errors.Is(err, suture.ErrDoNotRestart) {
		t.Errorf("a nil func would vanish from the tree without a trace: %v", err)
	}
}

func TestFuncUnderSupervisor(t *testing.T) {
	errBoom := errors.New("boom")
	var calls atomic.Int32
	sup, ev := startSupervisor(t, Func("worker", func(ctx context.Context) error {
		switch calls.Add(1) {
		case 1:
			return nil // finished, but suture restarts it
		case 2:
			return errBoom // failed: restarted
		default:
			return fmt.Errorf("done for good: %w", suture.ErrDoNotRestart)
		}
	}))

	for i, want := range []error{nil, errBoom} {
		e := seamtest.NextEvent[suture.EventServiceTerminate](t, ev)
		err, _ := e.Err.(error)
		if e.ServiceName != "worker" || !e.Restarting || !errors.Is(err, want) {
			t.Errorf("event %d = %v, want worker restarting after %v", i+1, e, want)
		}
	}
	// ErrDoNotRestart removes the service: once it is gone from the
	// supervisor, it cannot run again.
	seamtest.Eventually(t, "the service to leave the supervisor after ErrDoNotRestart", func() bool {
		return len(sup.Services()) == 0
	})
	if n := calls.Load(); n != 3 {
		t.Errorf("fn was called %d times, want 3", n)
	}
}
