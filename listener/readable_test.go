package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// waited is what a handler saw: WaitReadable's error, then what one Read
// returned after it.
type waited struct {
	wait error
	read string
	err  error
}

// waitThenRead is a handler that waits for bytes without a buffer, then
// reads once, and reports both.
func waitThenRead(before func(net.Conn)) (HandlerFunc, <-chan waited) {
	out := make(chan waited, 1)
	return func(ctx context.Context, c net.Conn) error {
		if before != nil {
			before(c)
		}
		var w waited
		w.wait = WaitReadable(c)
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		w.read, w.err = string(buf[:n]), err
		out <- w
		return nil
	}, out
}

// startWaiting serves s, with waitThenRead(before) as its handler, over
// tr, and dials it.
func startWaiting(t *testing.T, tr transport, s *Server, before func(net.Conn)) (net.Conn, <-chan waited) {
	t.Helper()
	h, seen := waitThenRead(before)
	s.Handler = h
	tr.setup(t, s)
	return tr.dial(t, seamtest.Start(t, s).Addr), seen
}

// sendPing writes "ping" to c and fails the test unless the handler
// behind it (waitThenRead) saw its WaitReadable return nil and its Read
// get "ping"; what names that handler's step in the wait's failure.
func sendPing(t *testing.T, c net.Conn, seen <-chan waited, what string) {
	t.Helper()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	w := seamtest.Recv(t, seen, what)
	if w.wait != nil || w.read != "ping" || w.err != nil {
		t.Fatalf("WaitReadable = %v, then Read = %q, %v; want nil, then \"ping\"", w.wait, w.read, w.err)
	}
}

// WaitReadable returns once bytes are there and takes none of them: the
// Read after it gets them all. Over TLS it returns at once and the Read
// does the waiting.
func TestWaitReadableLeavesTheBytes(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			c, seen := startWaiting(t, tr, &Server{}, nil)
			sendPing(t, c, seen, "the handler's wait and read")
		})
	}
}

// On a silent socket WaitReadable waits: the read deadline ends it with
// the error a Read would have returned. A WaitReadable that returned at
// once would report nil.
func TestWaitReadableWaitsForTheDeadline(t *testing.T) {
	for _, tr := range transports()[:2] { // tcp, unix: TLS returns at once
		t.Run(tr.name, func(t *testing.T) {
			_, seen := startWaiting(t, tr, &Server{}, func(c net.Conn) {
				c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			})
			w := seamtest.Recv(t, seen, "the handler's wait")
			if !errors.Is(w.wait, os.ErrDeadlineExceeded) {
				t.Fatalf("WaitReadable = %v; want the deadline's error", w.wait)
			}
		})
	}
}

// A peer that closes its side makes the socket readable: WaitReadable
// returns nil and the Read reports the end of the stream.
func TestWaitReadableReturnsAtTheEndOfTheStream(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			c, seen := startWaiting(t, tr, &Server{}, nil)
			c.Close()
			w := seamtest.Recv(t, seen, "the handler's wait and read")
			if w.wait != nil || !errors.Is(w.err, io.EOF) {
				t.Fatalf("WaitReadable = %v, then Read = %q, %v; want nil, then EOF", w.wait, w.read, w.err)
			}
		})
	}
}

// The drain's force-close ends a wait as it ends a Read: a handler parked
// in WaitReadable that ignores its ctx still lets Serve return.
func TestWaitReadableEndsAtTheForceClose(t *testing.T) {
	entered := make(chan struct{})
	h, seen := waitThenRead(func(net.Conn) { close(entered) })
	s := &Server{Addr: "127.0.0.1:0", Handler: h, DrainTimeout: time.Millisecond}
	served := seamtest.Start(t, s)
	seamtest.Dial(t, served.Addr)
	seamtest.Recv(t, entered, "the handler")
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	w := seamtest.Recv(t, seen, "the handler's wait")
	if !errors.Is(w.wait, net.ErrClosed) {
		t.Fatalf("WaitReadable = %v; want net.ErrClosed", w.wait)
	}
}

// Under IdleTimeout the wait is idleness: a connection silent for that
// long is closed and counted, as one parked in Read would be.
func TestWaitReadableCountsAsIdle(t *testing.T) {
	for _, tr := range transports()[:2] {
		t.Run(tr.name, func(t *testing.T) {
			clock := newFakeClock()
			s := &Server{IdleTimeout: 5 * time.Millisecond, hooks: hooks{now: clock.now}}
			_, seen := startWaiting(t, tr, s, nil)
			clock.awaitJudged(t)
			clock.advance(5 * time.Millisecond)
			w := seamtest.Recv(t, seen, "the handler's wait")
			if !errors.Is(w.wait, ErrIdleTimeout) {
				t.Fatalf("WaitReadable = %v; want ErrIdleTimeout", w.wait)
			}
			if st := s.Stats(); st.IdleClosed != 1 {
				t.Fatalf("IdleClosed = %d; want 1", st.IdleClosed)
			}
		})
	}
}

// Bytes that arrived with a PROXY header are already read off the socket:
// WaitReadable must not wait for more.
func TestWaitReadableSeesBytesPastTheProxyHeader(t *testing.T) {
	h, seen := waitThenRead(nil)
	s := &Server{Addr: "127.0.0.1:0", Handler: h, ProxyProtocol: ProxyProtocol{Trusted: loopback}}
	c := seamtest.Dial(t, seamtest.Start(t, s).Addr)
	// One write, so that the header's parse reads the payload too.
	if _, err := c.Write([]byte("PROXY TCP4 203.0.113.9 127.0.0.1 4711 6379\r\nping")); err != nil {
		t.Fatal(err)
	}
	w := seamtest.Recv(t, seen, "the handler's wait and read")
	if w.wait != nil || w.read != "ping" {
		t.Fatalf("WaitReadable = %v, then Read = %q; want nil, then \"ping\"", w.wait, w.read)
	}
}

// Where a socket cannot be peeked at (Windows), WaitReadable returns at
// once, before any byte has come, and the Read after it does the waiting:
// the handler still gets the request. The test waits for WaitReadable to
// return before the client writes, so a wait there would never end.
func TestWaitReadableReturnsAtOnceWithoutAPeek(t *testing.T) {
	was := waitSocket
	waitSocket = returnAtOnce
	t.Cleanup(func() { waitSocket = was })
	for _, tr := range transports()[:2] { // tcp, unix: the sockets that peek
		t.Run(tr.name, func(t *testing.T) {
			returned := make(chan error, 1)
			h, seen := waitThenRead(nil)
			s := &Server{Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
				returned <- WaitReadable(c)
				return h(ctx, c)
			})}
			tr.setup(t, s)
			c := tr.dial(t, seamtest.Start(t, s).Addr)
			if err := seamtest.Recv(t, returned, "WaitReadable to return with nothing sent"); err != nil {
				t.Fatalf("WaitReadable = %v; want nil", err)
			}
			sendPing(t, c, seen, "the handler's read")
		})
	}
}

// A Waiter waits as WaitReadable does, again and again on one connection,
// over every transport and under IdleTimeout's layer (and hibernation's):
// each wait returns once bytes are there and leaves them for the Read,
// and a read deadline ends a wait with the deadline's error (over TLS,
// the Read's wait).
func TestWaiterWaitsAsWaitReadable(t *testing.T) {
	for _, tr := range transports() {
		for _, layer := range []struct{ idle, hib time.Duration }{{0, 0}, {time.Hour, 0}, {0, time.Hour}} {
			t.Run(fmt.Sprintf("%s/idle=%v/hibernate=%v", tr.name, layer.idle, layer.hib), func(t *testing.T) {
				var w Waiter // one for every connection, as a pool would keep it
				timedOut := make(chan error, 1)
				s := &Server{IdleTimeout: layer.idle, HibernateAfter: layer.hib, Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
					w.Reset(c)
					defer w.Reset(nil)
					buf := make([]byte, 64)
					for range 2 {
						if err := w.Wait(); err != nil {
							return err
						}
						n, err := c.Read(buf)
						if err != nil {
							return err
						}
						if _, err := c.Write(buf[:n]); err != nil {
							return err
						}
					}
					c.SetReadDeadline(time.Now().Add(time.Millisecond))
					err := w.Wait()
					if err == nil && tr.name == "tls" { // the Read waits
						_, err = c.Read(buf)
					}
					timedOut <- err
					return nil
				})}
				tr.setup(t, s)
				c := tr.dial(t, seamtest.Start(t, s).Addr)
				seamtest.WantEcho(t, c, "first")
				seamtest.WantEcho(t, c, "second")
				if err := seamtest.Recv(t, timedOut, "the wait past the deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("a wait past the read deadline = %v; want the deadline's error", err)
				}
			})
		}
	}
}
