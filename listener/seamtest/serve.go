package seamtest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seamgo/seam/internal/loopback"
	"github.com/thejerf/suture/v4"
)

// Served is a service that [Start] or [Supervise] runs for a test.
type Served struct {
	// Addr is where the service listens, from its BoundAddr method once
	// it is ready; nil for a service without one.
	Addr net.Addr

	t      testing.TB
	svc    suture.Service
	cancel context.CancelFunc
	done   chan struct{} // closed once Serve has returned
	result error         // what Serve returned, once done is closed

	stopOnce sync.Once
	stopErr  error
}

// Stop cancels the service's ctx and waits at most [Wait] for its Serve
// to return, returning what Serve returned. It is idempotent, and the
// test's cleanup calls it. It may be called from any goroutine: when the
// wait runs out it marks the test failed with t.Errorf, never t.Fatal,
// and returns [context.DeadlineExceeded].
func (s *Served) Stop() error {
	s.stopOnce.Do(func() {
		s.cancel()
		timer := time.NewTimer(Wait)
		defer timer.Stop()
		select {
		case <-s.done:
			s.stopErr = s.result
		case <-timer.C:
			s.t.Errorf("seamtest: %v did not return within %v of its stop", s.svc, Wait)
			s.stopErr = context.DeadlineExceeded
		}
	})
	return s.stopErr
}

// Cancel cancels the service's ctx and returns at once, for a test that
// acts between the cancel and Serve's return; [Served.Wait] then collects
// what Serve returned.
func (s *Served) Cancel() { s.cancel() }

// Done returns a channel that is closed once Serve has returned, whether
// by itself or after [Served.Stop].
func (s *Served) Done() <-chan struct{} { return s.done }

// Wait waits at most [Wait] for Serve to return by itself, without
// cancelling its ctx, and returns what it returned: it is for a service
// that is expected to fail or finish. When the wait runs out it fails t.
// Call it from the test's goroutine.
func (s *Served) Wait(t testing.TB) error {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	select {
	case <-s.done:
		return s.result
	case <-timer.C:
		t.Fatalf("seamtest: %v did not return within %v", s.svc, Wait)
		return nil
	}
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
	s := Go(t, svc)
	s.ready(t)
	return s
}

// Go runs svc's Serve on a goroutine, as [Start] does, but does not wait
// for it to be ready, and leaves Addr nil: it is for a test of what Serve
// does before it is ready or instead of it, such as a start that fails
// (see [Served.Wait]). A *suture.Supervisor is the exception: it is
// served with ServeBackground, which returns once the supervisor is
// running. The test's cleanup stops svc and waits for Serve to return.
func Go(t testing.TB, svc suture.Service) *Served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Served{t: t, svc: svc, cancel: cancel, done: make(chan struct{})}
	if sup, ok := svc.(*suture.Supervisor); ok {
		// ServeBackground returns once the supervisor runs, so that the
		// test's next call (Services, Add) finds it serving.
		errc := sup.ServeBackground(ctx)
		go func() {
			defer close(s.done)
			s.result = <-errc
		}()
	} else {
		go func() {
			defer close(s.done)
			s.result = svc.Serve(ctx)
		}()
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// Supervise runs svc under a fresh suture supervisor, so that it is
// restarted when it fails as it would be in a program, and waits until it
// is ready as [Start] does. It is for the test of a service's restart,
// where [Start] would leave a failed Serve ended for good. The supervisor's events go nowhere; assert on
// what the service does. The test's cleanup stops the supervisor and waits
// for it to return.
func Supervise(t testing.TB, svc suture.Service) *Served {
	t.Helper()
	sup := suture.New("seamtest", suture.Spec{
		EventHook:      func(suture.Event) {},
		FailureBackoff: 10 * time.Millisecond,
	})
	sup.Add(svc)
	s := Go(t, sup)
	s.svc = svc
	s.ready(t)
	return s
}

// ready waits until s.svc is ready, as [Start] documents, and notes its
// address.
func (s *Served) ready(t testing.TB) {
	t.Helper()
	if r, ok := s.svc.(readier); ok {
		timer := time.NewTimer(Wait)
		defer timer.Stop()
		select {
		case <-r.Ready():
		case <-s.done:
			t.Fatalf("seamtest: %v returned before it was ready: %v", s.svc, s.result)
		case <-timer.C:
			t.Fatalf("seamtest: %v not ready within %v", s.svc, Wait)
		}
	}
	if a, ok := s.svc.(addresser); ok {
		s.Addr = a.BoundAddr()
	}
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

// FreeAddr returns a loopback TCP address whose port was free a moment
// ago, for a program that takes its ports up front (etcd, nats-server,
// redis-server) and cannot report a port it chose. Another process may
// take the port before the program binds it; a server that can bind port
// 0 should, and report its address instead.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatalf("seamtest: a free port: %v", err)
	}
	return addr
}
