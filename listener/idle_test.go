package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// IdleTimeout closes a connection on which no byte arrives, over every
// transport, counts it, and says so in the connection's log.
func TestIdleTimeoutClosesASilentConnection(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			// The clock moves only when the test says, so that a slow
			// handshake on a loaded machine is not idleness.
			logs := seamtest.NewLogs(t)
			clock := newFakeClock()
			s := &Server{Handler: HandlerFunc(echo), IdleTimeout: 5 * time.Millisecond, Logger: logs.Logger(), hooks: hooks{now: clock.now}}
			tr.setup(t, s)
			addr := seamtest.Start(t, s).Addr
			c := tr.dial(t, addr)
			seamtest.WantEcho(t, c, "then silence")
			clock.awaitJudged(t) // the handler waits in its next Read
			clock.advance(5 * time.Millisecond)
			expectClosed(t, c)
			ev := logs.WaitFor(t, "no byte read for IdleTimeout")
			if have := ev["idle_timeout"]; have != "5ms" {
				t.Errorf("idle_timeout = %v; want \"5ms\", a duration with its unit", have)
			}
			if st := s.Stats(); st.IdleClosed != 1 {
				t.Fatalf("IdleClosed = %d; want 1", st.IdleClosed)
			}
		})
	}
}

// fakeClock is the idle timeout's clock in a test: it moves only when
// told, and reports each reading, which is how a test sees the socket's
// deadline fire and be judged.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	reads chan struct{}
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Unix(1e9, 0), reads: make(chan struct{}, 1024)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case f.reads <- struct{}{}:
	default:
	}
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// awaitJudged returns once the socket's deadline has fired and been judged
// at least once since the call. A Read reads the clock once when it
// starts and once each time the deadline fires, so of two readings after
// the readings so far are forgotten, one at least is a judgment.
func (f *fakeClock) awaitJudged(t *testing.T) {
	t.Helper()
	for {
		select {
		case <-f.reads:
			continue
		default:
		}
		break
	}
	for i := 0; i < 2; i++ {
		select {
		case <-f.reads:
		case <-time.After(seamtest.Wait):
			t.Fatal("the idle clock was not read")
		}
	}
}

// The socket's deadline firing is not idleness by itself: the Read's own
// wait, on the idle clock, decides. While the clock stands still the
// deadline fires again and again and the connection lives; once the clock
// says the Read has waited IdleTimeout, it is closed.
func TestIdleIsTheReadsWaitNotTheSocketDeadline(t *testing.T) {
	clock := newFakeClock()
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), IdleTimeout: 5 * time.Millisecond, hooks: hooks{now: clock.now}}
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	seamtest.WantEcho(t, c, "first")
	clock.awaitJudged(t)
	clock.awaitJudged(t)
	seamtest.WantEcho(t, c, "still here")
	if st := s.Stats(); st.IdleClosed != 0 {
		t.Fatalf("IdleClosed = %d while the clock stood still", st.IdleClosed)
	}
	clock.awaitJudged(t) // the handler waits in its next Read
	clock.advance(5 * time.Millisecond)
	expectClosed(t, c)
	if st := s.Stats(); st.IdleClosed != 1 {
		t.Fatalf("IdleClosed = %d; want 1", st.IdleClosed)
	}
}

// Time the handler spends between Reads is not idleness: a Read that
// begins after a long pause waits IdleTimeout afresh, even when the
// socket's deadline, set during the pause, fires in it.
func TestIdleDoesNotCountTheHandlersOwnTime(t *testing.T) {
	clock := newFakeClock()
	busy := make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		buf := make([]byte, 1)
		if _, err := c.Read(buf); err != nil {
			return err
		}
		clock.advance(time.Hour) // a long command
		close(busy)
		if _, err := c.Read(buf); err != nil {
			return err
		}
		_, err := c.Write(buf)
		return err
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, IdleTimeout: 5 * time.Millisecond, hooks: hooks{now: clock.now}}
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	c.Write([]byte("a"))
	<-busy
	clock.awaitJudged(t)
	c.Write([]byte("b"))
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	buf := make([]byte, 1)
	if _, err := c.Read(buf); err != nil || buf[0] != 'b' {
		t.Fatalf("after the handler's long command: %q, %v", buf, err)
	}
	if st := s.Stats(); st.IdleClosed != 0 {
		t.Fatalf("IdleClosed = %d", st.IdleClosed)
	}
}

// The handler's own read deadline keeps working beside the idle timeout:
// the echo handler wakes its read at stop with a past deadline, so the
// stop does not wait for IdleTimeout or the drain's force-close.
func TestIdleKeepsTheHandlersDeadline(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(echo), IdleTimeout: time.Hour, DrainTimeout: time.Hour}
			tr.setup(t, s)
			served := seamtest.Start(t, s)
			addr, stop := served.Addr, served.Stop
			c := tr.dial(t, addr)
			seamtest.WantEcho(t, c, "idle but for the stop")
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.ForceClosed != 0 || st.IdleClosed != 0 {
				t.Fatalf("stats = %+v; the handler's deadline did not end its read", st)
			}
		})
	}
}

// A deadline the handler sets for itself returns its timeout error, not an
// idle close, and the connection reads on after it.
func TestIdleReturnsTheHandlersTimeout(t *testing.T) {
	got := make(chan error, 2)
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		c.SetReadDeadline(aLongTimeAgo)
		buf := make([]byte, 1)
		_, err := c.Read(buf)
		got <- err
		c.SetReadDeadline(time.Time{})
		_, err = c.Read(buf)
		got <- err
		return err
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, IdleTimeout: time.Hour}
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	if err := <-got; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the handler's deadline: %v; want os.ErrDeadlineExceeded", err)
	}
	c.Write([]byte("x"))
	if err := <-got; err != nil {
		t.Fatalf("read after clearing the deadline: %v", err)
	}
}

// With no IdleTimeout the handler gets the accepted socket itself: the
// idle timeout costs nothing when unset. With it, NetConn reaches the
// socket.
func TestIdleTimeoutZeroLeavesTheSocketUnwrapped(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprint(idle), func(t *testing.T) {
			types := make(chan string, 1)
			h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
				if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
					types <- fmt.Sprintf("%T over %T", c, nc.NetConn())
				} else {
					types <- fmt.Sprintf("%T", c)
				}
				return nil
			})
			s := &Server{Addr: "127.0.0.1:0", Handler: h, IdleTimeout: idle}
			addr := seamtest.Start(t, s).Addr
			seamtest.Dial(t, addr)
			want := "*net.TCPConn"
			if idle > 0 {
				want = "*listener.idleConn over *net.TCPConn"
			}
			if have := <-types; have != want {
				t.Fatalf("the handler's conn is %s; want %s", have, want)
			}
		})
	}
}
