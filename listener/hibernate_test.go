//go:build linux

package listener

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// tally is the state a hibernating test handler keeps: the lines it has
// answered, and how often the listener closed it asleep.
type tally struct {
	lines  int
	closed *atomic.Int32
}

// Close counts the listener's closing of a hibernated connection.
func (t *tally) Close() error {
	t.closed.Add(1)
	return nil
}

// counting answers each line with how many lines the connection has sent
// so far, which only a state carried across hibernations can know; it
// hibernates whenever its wait says so.
func counting(closed *atomic.Int32) HandlerFunc {
	return func(ctx context.Context, conn net.Conn) error {
		st := &tally{closed: closed}
		if v, ok := Woken(ctx); ok {
			st = v.(*tally)
		}
		var w Waiter
		w.Reset(conn)
		for {
			if err := w.Wait(); err != nil {
				if errors.Is(err, ErrHibernate) && st.lines == 0 {
					// Not before the first line: on a loaded machine a
					// client's first bytes can come more than
					// HibernateAfter after it connected, and the tests
					// count hibernations and wakes from the first answer.
					continue
				}
				if errors.Is(err, ErrHibernate) {
					return Hibernate(st)
				}
				return err
			}
			line, err := readByteLine(conn)
			if err != nil {
				return err
			}
			st.lines++
			if _, err := fmt.Fprintf(conn, "%d %s\n", st.lines, line); err != nil {
				return err
			}
		}
	}
}

// readByteLine reads up to a newline a byte at a time, so that nothing is
// left buffered when the handler hibernates.
func readByteLine(conn net.Conn) (string, error) {
	var b strings.Builder
	var one [1]byte
	for {
		if _, err := io.ReadFull(conn, one[:]); err != nil {
			return "", err
		}
		if one[0] == '\n' {
			return b.String(), nil
		}
		b.WriteByte(one[0])
	}
}

// hibernation returns hooks that report each park and wake on channels.
func hibernationEvents(s *Server) (parked, woken <-chan struct{}) {
	p, w := make(chan struct{}, 64), make(chan struct{}, 64)
	s.hooks.parked = func() { p <- struct{}{} }
	s.hooks.woken = func() { w <- struct{}{} }
	return p, w
}

// leftEvents returns a hook that reports each hibernated connection the
// poller closed because its client left.
func leftEvents(s *Server) <-chan struct{} {
	l := make(chan struct{}, 64)
	s.hooks.leftAsleep = func() { l <- struct{}{} }
	return l
}

func ask(t *testing.T, c net.Conn, r *bufio.Reader, line string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(seamtest.Wait))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	have, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read answer to %q: %v", line, err)
	}
	return strings.TrimSuffix(have, "\n")
}

// An idle connection hibernates, holding its slot and no goroutine, and
// bytes wake it with its state, over TCP and unix sockets.
func TestHibernateKeepsStateAcrossWakes(t *testing.T) {
	for _, tr := range transports()[:2] {
		t.Run(tr.name, func(t *testing.T) {
			var closed atomic.Int32
			s := &Server{Handler: counting(&closed), HibernateAfter: time.Millisecond}
			tr.setup(t, s)
			parked, woken := hibernationEvents(s)
			left := leftEvents(s)
			addr := seamtest.Start(t, s).Addr
			c := tr.dial(t, addr)
			r := bufio.NewReader(c)
			for i, line := range []string{"a", "b", "c"} {
				if have, want := ask(t, c, r, line), fmt.Sprintf("%d %s", i+1, line); have != want {
					t.Fatalf("answer %q; want %q", have, want)
				}
				seamtest.Recv(t, parked, "the connection to hibernate")
				st := s.Stats()
				if st.Hibernated != 1 || st.Active != 1 || st.Hibernations != uint64(i+1) {
					t.Fatalf("hibernated: Hibernated %d, Active %d, Hibernations %d; want 1, 1, %d", st.Hibernated, st.Active, st.Hibernations, i+1)
				}
				if i > 0 {
					seamtest.Recv(t, woken, "the wake")
				}
			}
			if st := s.Stats(); st.Wakes != 2 {
				t.Fatalf("Wakes = %d; want 2", st.Wakes)
			}
			// The client's close, with nothing sent, ends the connection
			// asleep: the state hears it, the handler is not woken.
			c.Close()
			seamtest.Recv(t, left, "the close of the departed client")
			if st := s.Stats(); st.Hibernated != 0 || st.Active != 0 || st.Wakes != 2 || closed.Load() != 1 {
				t.Fatalf("after the close: Hibernated %d, Active %d, Wakes %d, state closed %d times; want 0, 0, 2, 1",
					st.Hibernated, st.Active, st.Wakes, closed.Load())
			}
		})
	}
}

// A hibernated connection keeps its MaxConns slot: the next client is
// turned away.
func TestHibernatedConnectionHoldsItsSlot(t *testing.T) {
	var closed atomic.Int32
	s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond, MaxConns: 1, MaxConnsPerIP: 1}
	parked, _ := hibernationEvents(s)
	addr := seamtest.Start(t, s).Addr
	dialAsleep(t, addr, parked, "x") // holds the only slot
	over := seamtest.Dial(t, addr)
	expectClosed(t, over)
	if st := s.Stats(); st.Rejected != 1 {
		t.Fatalf("Rejected = %d; want 1: the hibernated connection holds the only slot", st.Rejected)
	}
}

// dialAsleep dials addr, a server of counting whose parks parked
// reports, has it answer line, and waits for the connection to hibernate.
func dialAsleep(t *testing.T, addr net.Addr, parked <-chan struct{}, line string) net.Conn {
	t.Helper()
	c := seamtest.Dial(t, addr)
	if have, want := ask(t, c, bufio.NewReader(c), line), "1 "+line; have != want {
		t.Fatalf("answer %q; want %q", have, want)
	}
	seamtest.Recv(t, parked, "the connection to hibernate")
	return c
}

// The stop closes hibernated connections at once, with no goroutine to
// wake, and tells their state.
func TestStopClosesHibernatedConnections(t *testing.T) {
	var closed atomic.Int32
	s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond, DrainTimeout: time.Minute}
	parked, _ := hibernationEvents(s)
	srv := seamtest.Start(t, s)
	var cs []net.Conn
	for i := 0; i < 3; i++ {
		c := dialAsleep(t, srv.Addr, parked, "hi")
		cs = append(cs, c)
	}
	// DrainTimeout is a minute: a stop that waited for these would fail
	// the test's own wait.
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		expectClosed(t, c)
	}
	st := s.Stats()
	if st.Wakes != 0 || st.Hibernated != 0 || st.Active != 0 || st.ForceClosed != 0 || closed.Load() != 3 {
		t.Fatalf("after the stop: Wakes %d, Hibernated %d, Active %d, ForceClosed %d, state closed %d; want 0, 0, 0, 0, 3",
			st.Wakes, st.Hibernated, st.Active, st.ForceClosed, closed.Load())
	}
}

// IdleTimeout goes on counting while a connection hibernates: the
// poller closes it, and tells its state.
func TestIdleTimeoutClosesHibernatedConnection(t *testing.T) {
	var closed atomic.Int32
	s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond, IdleTimeout: 50 * time.Millisecond}
	parked, _ := hibernationEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := dialAsleep(t, addr, parked, "hi")
	expectClosed(t, c)
	seamtest.Eventually(t, "the connection to end", func() bool { return s.Stats().Active == 0 })
	if st := s.Stats(); st.IdleClosed != 1 || st.Hibernated != 0 || st.Wakes != 0 || closed.Load() != 1 {
		t.Fatalf("IdleClosed %d, Hibernated %d, Wakes %d, state closed %d; want 1, 0, 0, 1", st.IdleClosed, st.Hibernated, st.Wakes, closed.Load())
	}
}

// Closing a hibernated connection from another goroutine (a CLIENT
// KILL) closes it, and its state hears it: it does not sit on the
// poller holding its slot, and the handler is not woken for it.
func TestCloseOfAHibernatedConnection(t *testing.T) {
	var closed atomic.Int32
	conns := make(chan net.Conn, 1)
	h := HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		conns <- conn
		return Hibernate(&tally{closed: &closed})
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, HibernateAfter: time.Hour}
	parked, _ := hibernationEvents(s)
	left := leftEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	conn := seamtest.Recv(t, conns, "the connection")
	seamtest.Recv(t, parked, "the connection to hibernate")
	if err := conn.Close(); err != nil {
		t.Fatalf("Close of the hibernated connection: %v", err)
	}
	seamtest.Recv(t, left, "the poller to close it")
	expectClosed(t, c)
	if st := s.Stats(); st.Active != 0 || st.Wakes != 0 || closed.Load() != 1 {
		t.Fatalf("Active %d, Wakes %d, state closed %d; want 0, 0, 1", st.Active, st.Wakes, closed.Load())
	}
}

// A client that sends bytes and then closes wakes its handler, which
// reads them before the end: only a client that sent nothing is closed
// asleep.
func TestBytesThenCloseWake(t *testing.T) {
	var closed atomic.Int32
	s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond}
	parked, woken := hibernationEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := dialAsleep(t, addr, parked, "a")
	io.WriteString(c, "b\n")
	c.(*net.TCPConn).CloseWrite()
	seamtest.Recv(t, woken, "the wake")
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	if b, err := io.ReadAll(c); err != nil || string(b) != "2 b\n" {
		t.Fatalf("after bytes and a close: %q, %v; want the answer, then the end", b, err)
	}
}

// A handler that returns ErrHibernate itself, rather than Hibernate,
// ends its connection; so does Hibernate over TLS, which never parks.
func TestHibernateRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		err  error
	}{
		{"ErrHibernate returned", false, ErrHibernate},
		{"TLS", true, Hibernate(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(func(context.Context, net.Conn) error { return tc.err }), HibernateAfter: time.Hour}
			tr := transports()[0]
			if tc.tls {
				tr = transports()[2]
			}
			tr.setup(t, s)
			addr := seamtest.Start(t, s).Addr
			expectClosed(t, tr.dial(t, addr))
			seamtest.Eventually(t, "the connection to end", func() bool { return s.Stats().Active == 0 })
			if st := s.Stats(); st.Hibernations != 0 {
				t.Fatalf("Hibernations = %d; want 0", st.Hibernations)
			}
		})
	}
}

// A handler that returns Hibernate after the stop began has its
// connection closed, and its state told: nothing parks once the drain
// has closed what was parked.
func TestHibernateAfterStopBegan(t *testing.T) {
	var closed atomic.Int32
	started := make(chan struct{}, 1)
	h := HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		started <- struct{}{}
		<-ctx.Done()
		return Hibernate(&tally{closed: &closed})
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, HibernateAfter: time.Hour}
	srv := seamtest.Start(t, s)
	c := seamtest.Dial(t, srv.Addr)
	seamtest.Recv(t, started, "the handler")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c)
	if st := s.Stats(); st.Hibernations != 0 || closed.Load() != 1 {
		t.Fatalf("Hibernations %d, state closed %d; want 0, 1", st.Hibernations, closed.Load())
	}
}

// A wake that races the stop: bytes arrive as the stop begins. Either
// the handler is woken and answers, or the stop closes the connection
// asleep; the connection ends either way, and exactly once.
func TestWakeRacesStop(t *testing.T) {
	for i := 0; i < 20; i++ {
		var closed atomic.Int32
		s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond}
		parked, _ := hibernationEvents(s)
		srv := seamtest.Start(t, s)
		c := dialAsleep(t, srv.Addr, parked, "a")
		io.WriteString(c, "b\n")
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		expectServedOrClosed(t, c, "2 b\n")
		st := s.Stats()
		// Woken (and then closed as it hibernated again during the
		// stop, or not), or closed asleep by the drain or by the wake
		// that found the drain begun: the state is closed at most once.
		if st.Active != 0 || st.Hibernated != 0 || closed.Load() > 1 || closed.Load()+int32(st.Wakes) == 0 {
			t.Fatalf("Active %d, Hibernated %d, Wakes %d, state closed %d; want 0, 0, a wake or a close, and at most one close",
				st.Active, st.Hibernated, st.Wakes, closed.Load())
		}
	}
}

// A wake that races the idle timeout: bytes arrive as the poller's
// deadline passes. The connection is served or closed, never both,
// and never left open.
func TestWakeRacesIdleTimeout(t *testing.T) {
	for i := 0; i < 20; i++ {
		var closed atomic.Int32
		s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond, IdleTimeout: 5 * time.Millisecond}
		srv := seamtest.Start(t, s)
		c := seamtest.Dial(t, srv.Addr)
		// No wait for the park: on a loaded machine the idle timeout
		// may come first, and the bytes race whichever holds the
		// connection, the poller or the handler.
		io.WriteString(c, "b\n")
		// Served: the handler waits again, and the idle timeout closes
		// it, asleep or awake. Closed asleep: the bytes were too late.
		expectServedOrClosed(t, c, "1 b\n")
		seamtest.Eventually(t, "the connection to end", func() bool { return s.Stats().Active == 0 })
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.Hibernated != 0 || st.IdleClosed != 1 || closed.Load() > 1 {
			t.Fatalf("Hibernated %d, IdleClosed %d, state closed %d; want 0, 1, at most 1", st.Hibernated, st.IdleClosed, closed.Load())
		}
	}
}

// A wake that races the force-close at the drain deadline: the woken
// handler ignores its ctx, the drain closes its connection by force, and
// Serve returns.
func TestWakeRacesForceClose(t *testing.T) {
	stuck := make(chan struct{}, 1)
	h := HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		if _, ok := Woken(ctx); ok {
			stuck <- struct{}{}
			_, err := io.Copy(io.Discard, conn) // ignores ctx: only the force-close ends it
			return err
		}
		return Hibernate(nil)
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, HibernateAfter: time.Hour, DrainTimeout: time.Millisecond}
	parked, _ := hibernationEvents(s)
	srv := seamtest.Start(t, s)
	c := seamtest.Dial(t, srv.Addr)
	seamtest.Recv(t, parked, "the connection to hibernate")
	io.WriteString(c, "wake")
	seamtest.Recv(t, stuck, "the woken handler")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c)
	if st := s.Stats(); st.ForceClosed != 1 || st.Active != 0 {
		t.Fatalf("ForceClosed %d, Active %d; want 1, 0", st.ForceClosed, st.Active)
	}
}

// Suspend leaves hibernated connections asleep, and they wake as usual.
func TestSuspendLeavesHibernatedConnections(t *testing.T) {
	var closed atomic.Int32
	s := &Server{Addr: "127.0.0.1:0", Handler: counting(&closed), HibernateAfter: time.Millisecond}
	parked, woken := hibernationEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	r := bufio.NewReader(c)
	if have := ask(t, c, r, "a"); have != "1 a" {
		t.Fatalf("answer %q", have)
	}
	seamtest.Recv(t, parked, "the connection to hibernate")
	s.Suspend()
	if have := ask(t, c, r, "b"); have != "2 b" {
		t.Fatalf("answer %q after Suspend; want \"2 b\"", have)
	}
	seamtest.Recv(t, woken, "the wake")
	s.Resume()
}
