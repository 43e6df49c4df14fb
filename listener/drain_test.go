package listener

import (
	"bufio"
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// stopHandler plays three kinds of client to exercise a graceful stop:
//
//	"slow"   a request in hand: it waits for release, then replies, even
//	         though ctx was cancelled meanwhile;
//	"stuck"  a handler that ignores ctx and blocks in Read until the
//	         socket is closed by force;
//	other    echoed, with the pending read cut short by ctx (see echo).
type stopHandler struct {
	inSlow    chan struct{} // a slow request has arrived
	sawCancel chan struct{} // the slow handler saw its ctx cancelled
	release   chan struct{} // lets the slow reply go
	stuckIn   chan struct{} // the stuck handler is reading
	stuckCtx  chan struct{} // the stuck handler's ctx was cancelled, unheeded
}

func newStopHandler() *stopHandler {
	return &stopHandler{
		inSlow:    make(chan struct{}),
		sawCancel: make(chan struct{}),
		release:   make(chan struct{}),
		stuckIn:   make(chan struct{}, 8),
		stuckCtx:  make(chan struct{}, 8),
	}
}

func (h *stopHandler) ServeConn(ctx context.Context, c net.Conn) error {
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	switch strings.TrimSpace(line) {
	case "slow":
		close(h.inSlow)
		<-ctx.Done()
		close(h.sawCancel)
		<-h.release
		_, err := io.WriteString(c, "slow reply\n")
		return err
	case "stuck":
		h.stuckIn <- struct{}{}
		// Only noted: the drain's cancel is an event a test can wait for.
		defer context.AfterFunc(ctx, func() { h.stuckCtx <- struct{}{} })()
		_, err := br.ReadString('\n') // ignores ctx
		return err
	default:
		if _, err := io.WriteString(c, line); err != nil {
			return err
		}
		return echo(ctx, c)
	}
}

// A graceful stop runs in its documented order, over every transport: it
// closes the socket first, then cancels each connection's ctx; a handler
// that watches its ctx finishes the reply in hand; an idle one returns at
// once; and Serve returns as soon as the last handler has, long before
// the drain timeout.
func TestGracefulStopFinishesTheReplyInHand(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			h := newStopHandler()
			s := &Server{Handler: h, DrainTimeout: time.Minute}
			tr.setup(t, s)
			srv := seamtest.Start(t, s)

			idle := tr.dial(t, srv.Addr)
			seamtest.WantEcho(t, idle, "idle")
			slow := tr.dial(t, srv.Addr)
			io.WriteString(slow, "slow\n")
			<-h.inSlow

			stopped := make(chan error, 1)
			go func() { stopped <- srv.Stop() }()
			seamtest.Recv(t, h.sawCancel, "the handler's ctx to be cancelled")
			// The connections' ctx is cancelled only after the acceptor
			// has stopped and closed the socket: no new connection gets
			// in now. (A dial may still reach another process that took
			// the freed port, so what counts is that this server does
			// not accept it.)
			if parts := s.LiveWork(); slices.Contains(parts, "acceptor") {
				t.Fatalf("the connections' ctx was cancelled while the acceptor ran: %q", parts)
			}
			accepted := s.Stats().Accepted
			if c, err := net.DialTimeout(srv.Addr.Network(), srv.Addr.String(), seamtest.Wait); err == nil {
				c.Close()
			}
			if s.Stats().Accepted != accepted {
				t.Fatal("a new connection was accepted after the connections' ctx was cancelled")
			}
			expectClosed(t, idle)
			select {
			case err := <-stopped:
				t.Fatalf("Serve returned (%v) while a reply was in hand", err)
			default:
			}

			close(h.release)
			slow.SetReadDeadline(time.Now().Add(seamtest.Wait))
			have, err := bufio.NewReader(slow).ReadString('\n')
			if err != nil || have != "slow reply\n" {
				t.Fatalf("the reply in hand was lost: %q, %v", have, err)
			}
			// The drain timeout is a minute: Serve returns because the
			// last connection ended.
			seamtest.RecvNil(t, stopped, "Serve to return after the last connection ended")
			if st := s.Stats(); st.ForceClosed != 0 || st.Active != 0 {
				t.Fatalf("stats = %+v; want nothing force-closed", st)
			}
		})
	}
}

// The other half of a graceful stop: a handler that ignores its ctx is closed
// by force at the drain deadline, and then Serve returns.
func TestDrainTimeoutForceCloses(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			h := newStopHandler()
			logs := seamtest.NewLogs(t)
			s := &Server{Handler: h, DrainTimeout: 100 * time.Millisecond, Logger: logs.Logger()}
			tr.setup(t, s)
			srv := seamtest.Start(t, s)
			stuck := tr.dial(t, srv.Addr)
			io.WriteString(stuck, "stuck\n")
			<-h.stuckIn

			// The stuck handler returns only when its socket is closed,
			// and only the drain timeout closes it: Serve returning with
			// one connection closed by force is the drain timeout passing.
			if err := srv.Stop(); err != nil {
				t.Fatalf("Serve = %v", err)
			}
			expectClosed(t, stuck)
			if st := s.Stats(); st.ForceClosed != 1 {
				t.Fatalf("ForceClosed = %d; want 1", st.ForceClosed)
			}
			if len(logs.Events("closed by force")) != 1 {
				t.Fatal("the force-close was not logged")
			}
		})
	}
}

// With no connection open, Serve returns without waiting for any timer.
func TestStopWithNoConnections(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), DrainTimeout: time.Hour}
	srv := seamtest.Start(t, s)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// LiveWork names a stuck connection by its remote address while the
// stop waits for it: that is what a stop report shows.
func TestLiveWorkNamesStuckConnections(t *testing.T) {
	h := newStopHandler()
	logs := seamtest.NewLogs(t)
	// An hour and a bit: the log rounds it for a reader.
	s := &Server{Addr: "127.0.0.1:0", Handler: h, DrainTimeout: time.Hour + 1234*time.Millisecond, Logger: logs.Logger()}
	srv := seamtest.Start(t, s)
	c := seamtest.Dial(t, srv.Addr)
	io.WriteString(c, "stuck\n")
	<-h.stuckIn

	parts := s.LiveWork()
	if len(parts) != 2 || parts[0] != "acceptor" || !strings.Contains(parts[1], c.LocalAddr().String()) {
		t.Fatalf("LiveWork = %q; want the acceptor and the connection from %v", parts, c.LocalAddr())
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }()
	// The drain cancels the handlers' ctx once the acceptor has stopped
	// and it has logged what it drains.
	seamtest.Recv(t, h.stuckCtx, "the drain to cancel the handler's ctx")
	ev := logs.Events("draining connections")[0]
	if have := ev["timeout"]; have != "1h0m1s" {
		t.Errorf("timeout = %v; want \"1h0m1s\", rounded for a reader", have)
	}
	if parts := s.LiveWork(); len(parts) != 1 || !strings.HasPrefix(parts[0], "conn "+c.LocalAddr().String()) {
		t.Fatalf("LiveWork while draining = %q", parts)
	}
	c.Close() // the stuck handler's read fails; the drain completes
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if parts := s.LiveWork(); parts != nil {
		t.Fatalf("LiveWork after Serve = %q; want nil", parts)
	}
}
