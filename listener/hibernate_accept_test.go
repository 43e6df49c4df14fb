//go:build linux

package listener

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// starts wraps h to count its ServeConns, and the first ones among them
// (those Woken tells apart from a wake).
func starts(h Handler, all, first *atomic.Int32) HandlerFunc {
	return func(ctx context.Context, conn net.Conn) error {
		all.Add(1)
		if _, ok := Woken(ctx); !ok {
			first.Add(1)
		}
		return h.ServeConn(ctx, conn)
	}
}

func always(net.Conn) bool { return true }

// atAccept is a Server whose new connections start hibernated, and which
// never hibernates them afterwards within a test's time.
func atAccept(h Handler) *Server {
	return &Server{Addr: "127.0.0.1:0", Handler: h, HibernateAfter: time.Hour, HibernateAtAccept: always}
}

// A connection that has sent nothing holds no goroutine: its handler
// first runs when its first bytes come, as a first ServeConn, and serves
// it as usual.
func TestHibernateAtAcceptStartsOnFirstBytes(t *testing.T) {
	var closed, all, first atomic.Int32
	s := atAccept(starts(counting(&closed), &all, &first))
	parked, woken := hibernationEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	seamtest.Recv(t, parked, "the new connection to park")
	if st := s.Stats(); st.Hibernated != 1 || st.Unstarted != 1 || st.Active != 1 || all.Load() != 0 {
		t.Fatalf("parked at accept: Hibernated %d, Unstarted %d, Active %d, handler runs %d; want 1, 1, 1, 0",
			st.Hibernated, st.Unstarted, st.Active, all.Load())
	}
	r := bufio.NewReader(c)
	for i, line := range []string{"1 a", "2 b"} {
		if have := ask(t, c, r, line[2:]); have != line {
			t.Fatalf("answer %d: %q; want %q", i, have, line)
		}
	}
	seamtest.Recv(t, woken, "the first bytes to start the handler")
	if st := s.Stats(); st.Hibernated != 0 || st.Unstarted != 0 || st.Wakes != 1 || all.Load() != 1 || first.Load() != 1 {
		t.Fatalf("after the first bytes: Hibernated %d, Unstarted %d, Wakes %d, handler runs %d (first %d); want 0, 0, 1, 1, 1",
			st.Hibernated, st.Unstarted, st.Wakes, all.Load(), first.Load())
	}
}

// A client whose first bytes are there by the time it is accepted (one
// that connects per request, or a flood) starts at once: parking it
// would only add the poller's round trip.
func TestHibernateAtAcceptStartsAtOnceWithBytes(t *testing.T) {
	var closed, all, first atomic.Int32
	s := atAccept(starts(counting(&closed), &all, &first))
	addr := seamtest.Start(t, s).Addr
	s.Suspend() // the client's bytes reach the socket before the accept
	c := seamtest.Dial(t, addr)
	io.WriteString(c, "hi\n")
	s.Resume()
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	if have, err := bufio.NewReader(c).ReadString('\n'); err != nil || have != "1 hi\n" {
		t.Fatalf("answer %q, %v; want 1 hi", have, err)
	}
	if st := s.Stats(); st.Hibernations != 0 || st.Wakes != 0 || first.Load() != 1 {
		t.Fatalf("Hibernations %d, Wakes %d, first runs %d; want 0, 0, 1", st.Hibernations, st.Wakes, first.Load())
	}
}

// A client that connects and leaves without a byte is closed asleep:
// its handler never runs and its slot is freed.
func TestHibernateAtAcceptSilentClientLeaves(t *testing.T) {
	var closed, all, first atomic.Int32
	s := atAccept(starts(counting(&closed), &all, &first))
	parked, _ := hibernationEvents(s)
	left := leftEvents(s)
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	seamtest.Recv(t, parked, "the new connection to park")
	c.Close()
	seamtest.Recv(t, left, "the poller to close the connection its client left")
	seamtest.Eventually(t, "the connection to end", func() bool { return s.Stats().Active == 0 })
	if st := s.Stats(); st.Hibernated != 0 || st.Unstarted != 0 || st.Wakes != 0 || all.Load() != 0 {
		t.Fatalf("Hibernated %d, Unstarted %d, Wakes %d, handler runs %d; want 0, 0, 0, 0", st.Hibernated, st.Unstarted, st.Wakes, all.Load())
	}
}

// A connection parked at accept holds its MaxConns slot, IdleTimeout
// closes it, and the stop closes the others without a handler run.
func TestHibernateAtAcceptSlotIdleAndStop(t *testing.T) {
	t.Run("slot", func(t *testing.T) {
		var closed, all, first atomic.Int32
		s := atAccept(starts(counting(&closed), &all, &first))
		s.MaxConns = 1
		parked, _ := hibernationEvents(s)
		addr := seamtest.Start(t, s).Addr
		seamtest.Dial(t, addr)
		seamtest.Recv(t, parked, "the new connection to park")
		expectClosed(t, seamtest.Dial(t, addr))
		if st := s.Stats(); st.Rejected != 1 || all.Load() != 0 {
			t.Fatalf("Rejected %d, handler runs %d; want 1, 0: the parked connection holds the only slot", st.Rejected, all.Load())
		}
	})
	t.Run("idle", func(t *testing.T) {
		var closed, all, first atomic.Int32
		s := atAccept(starts(counting(&closed), &all, &first))
		s.IdleTimeout = 50 * time.Millisecond
		parked, _ := hibernationEvents(s)
		addr := seamtest.Start(t, s).Addr
		c := seamtest.Dial(t, addr)
		seamtest.Recv(t, parked, "the new connection to park")
		expectClosed(t, c)
		seamtest.Eventually(t, "the connection to end", func() bool { return s.Stats().Active == 0 })
		if st := s.Stats(); st.IdleClosed != 1 || all.Load() != 0 {
			t.Fatalf("IdleClosed %d, handler runs %d; want 1, 0", st.IdleClosed, all.Load())
		}
	})
}

// At a graceful stop a connection parked at accept is given until
// DrainTimeout to send its first request, as a handler yet to read one
// would be: its client connected while the listener accepted. Its
// bytes start its handler, which answers; the stop then ends without
// waiting out DrainTimeout.
func TestHibernateAtAcceptServedThroughTheDrain(t *testing.T) {
	watching, drainBegan := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		line, err := readByteLine(conn)
		if err != nil {
			return err
		}
		if line == "watch" {
			close(watching)
			<-ctx.Done() // the drain cancels it after closing what hibernated
			close(drainBegan)
			return nil
		}
		_, err = io.WriteString(conn, "served "+line+"\n")
		return err
	})
	s := atAccept(h)
	s.DrainTimeout = time.Minute // a stop that waited it out would fail the test's wait
	parked, _ := hibernationEvents(s)
	srv := seamtest.Start(t, s)
	watcher := seamtest.Dial(t, srv.Addr)
	seamtest.Recv(t, parked, "the watcher to park")
	io.WriteString(watcher, "watch\n")
	seamtest.Recv(t, watching, "the watcher's handler")
	late := seamtest.Dial(t, srv.Addr)
	seamtest.Recv(t, parked, "the late client to park")
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }()
	seamtest.Recv(t, drainBegan, "the drain")
	if have := ask(t, late, bufio.NewReader(late), "hello"); have != "served hello" {
		t.Fatalf("answer during the drain %q; want served hello", have)
	}
	seamtest.RecvNil(t, stopped, "the stop")
	if st := s.Stats(); st.Wakes != 2 || st.ForceClosed != 0 || st.Active != 0 {
		t.Fatalf("Wakes %d, ForceClosed %d, Active %d; want 2, 0, 0", st.Wakes, st.ForceClosed, st.Active)
	}
}

// A connection parked at accept that stays silent through the drain is
// closed at its deadline, asleep: no handler runs for it.
func TestHibernateAtAcceptSilentThroughTheDrain(t *testing.T) {
	var closed, all, first atomic.Int32
	s := atAccept(starts(counting(&closed), &all, &first))
	s.DrainTimeout = 50 * time.Millisecond
	parked, _ := hibernationEvents(s)
	srv := seamtest.Start(t, s)
	var cs []net.Conn
	for range 3 {
		cs = append(cs, seamtest.Dial(t, srv.Addr))
		seamtest.Recv(t, parked, "the new connection to park")
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		expectClosed(t, c)
	}
	if st := s.Stats(); st.Active != 0 || st.Hibernated != 0 || st.Unstarted != 0 || st.ForceClosed != 3 || all.Load() != 0 {
		t.Fatalf("after the stop: Active %d, Hibernated %d, ForceClosed %d, handler runs %d; want 0, 0, 3, 0",
			st.Active, st.Hibernated, st.ForceClosed, all.Load())
	}
}

// A connection HibernateAtAccept says no to, or any over TLS, starts at
// once: a handler that greets its client is heard before the client
// writes.
func TestHibernateAtAcceptOnlyWhenAsked(t *testing.T) {
	greet := HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		_, err := conn.Write([]byte("hello\n"))
		return err
	})
	never := func(net.Conn) bool { return false }
	for _, tr := range transports() {
		for _, asked := range []func(net.Conn) bool{nil, never, always} {
			if tr.name != "tls" && asked != nil && asked(nil) {
				continue // the case the other tests cover
			}
			t.Run(tr.name, func(t *testing.T) {
				s := &Server{Handler: greet, HibernateAfter: time.Hour, HibernateAtAccept: asked}
				tr.setup(t, s)
				c := tr.dial(t, seamtest.Start(t, s).Addr)
				c.SetReadDeadline(time.Now().Add(seamtest.Wait))
				if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "hello\n" {
					t.Fatalf("greeting %q, %v; want hello", line, err)
				}
				if st := s.Stats(); st.Hibernations != 0 {
					t.Fatalf("Hibernations %d; want 0", st.Hibernations)
				}
			})
		}
	}
}
