package seamtest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"
)

// Served is a service that [Start] or [Supervise] runs for a test.
type Served struct {
	// Addr is where the service listens, from its BoundAddr method once
	// it is ready; nil for a service without one.
	Addr net.Addr

	stopOnce sync.Once
	stop     func() error
	err      error
}

// Stop cancels the service's ctx and waits at most [Wait] for its Serve
// to return, returning what Serve returned. It is idempotent, and the
// test's cleanup calls it. Call it from the test's goroutine: when the
// wait runs out, it fails the test.
func (s *Served) Stop() error {
	s.stopOnce.Do(func() { s.err = s.stop() })
	return s.err
}

// readier and addresser are the methods that seam's servers have.
type (
	readier   interface{ Ready() <-chan struct{} }
	addresser interface{ BoundAddr() net.Addr }
)

// Start runs svc's Serve on a goroutine and waits, at most [Wait], until
// it is ready: until its Ready channel is closed, for a service that has
// one (listener.Server, services.HTTP, supervisor.Group); at once for one
// that has not. A Serve that returns before that fails t with its error.
// The test's cleanup stops svc and waits for Serve to return, so no test
// ends with a Serve it started still running.
//
// Give a listener a loopback address with port 0 ("127.0.0.1:0") and find
// the port the kernel chose in Addr.
func Start(t testing.TB, svc suture.Service) *Served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx) }()
	return started(t, svc, cancel, done)
}

// Supervise runs svc under a fresh suture supervisor, so that it is
// restarted when it fails as it would be in a program, and waits until it
// is ready as [Start] does. The supervisor's events go nowhere; assert on
// what the service does. The test's cleanup stops the supervisor and waits
// for it to return.
func Supervise(t testing.TB, svc suture.Service) *Served {
	t.Helper()
	sup := suture.New("seamtest", suture.Spec{
		EventHook:      func(suture.Event) {},
		FailureBackoff: 10 * time.Millisecond,
	})
	sup.Add(svc)
	ctx, cancel := context.WithCancel(context.Background())
	done := sup.ServeBackground(ctx)
	return started(t, svc, cancel, done)
}

func started(t testing.TB, svc suture.Service, cancel context.CancelFunc, done <-chan error) *Served {
	t.Helper()
	s := &Served{}
	s.stop = func() error {
		cancel()
		timer := time.NewTimer(Wait)
		defer timer.Stop()
		select {
		case err := <-done:
			return err
		case <-timer.C:
			t.Errorf("seamtest: %v did not return within %v of its stop", svc, Wait)
			return context.DeadlineExceeded
		}
	}
	t.Cleanup(func() { s.Stop() })
	if r, ok := svc.(readier); ok {
		timer := time.NewTimer(Wait)
		defer timer.Stop()
		select {
		case <-r.Ready():
		case err := <-done:
			t.Fatalf("seamtest: %v returned before it was ready: %v", svc, err)
		case <-timer.C:
			t.Fatalf("seamtest: %v not ready within %v", svc, Wait)
		}
	}
	if a, ok := svc.(addresser); ok {
		s.Addr = a.BoundAddr()
	}
	return s
}

// Dial connects to addr over its own network (tcp or unix), with a read
// and write deadline of [Wait] so that a test that waits for a reply
// that never comes fails instead of hanging. The test's cleanup closes the
// connection.
func Dial(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), Wait)
	if err != nil {
		t.Fatalf("seamtest: dial %v: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(Wait))
	t.Cleanup(func() { c.Close() })
	return c
}
