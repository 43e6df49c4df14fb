package listener

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// idleConn closes a connection on which a Read has waited IdleTimeout
// without a byte. The handler gets it in place of the accepted socket (or
// under the TLS layer) only when IdleTimeout is set.
//
// It does not set a deadline before every Read, which would reset a
// runtime timer each time. The socket's read deadline is set once and
// moved only when it fires; each Read only notes when it began to wait (a
// clock read and an atomic store). When the deadline fires, the Read's
// own wait decides: IdleTimeout or more, the connection is closed; less
// (the deadline was set for an earlier wait), the deadline moves to when
// this Read will have waited IdleTimeout and the Read goes on. A busy
// connection costs one wakeup per IdleTimeout. Time spent between Reads,
// in the handler, is never idleness.
//
// The handler's own read deadlines (context.AfterFunc waking a read at
// stop, a per-request timeout) are kept apart: the socket gets the earlier
// of the two, and a deadline that fires at or after the handler's returns
// its timeout error as the socket would.
//
// With HibernateAfter it is also what tells a wait to hibernate: the
// deadline is then the earliest of the three, and a wait (never a Read,
// which holds the handler's buffer) that has lasted HibernateAfter
// returns ErrHibernate.
type idleConn struct {
	net.Conn
	timeout  time.Duration
	hibAfter time.Duration    // 0: the waits never hibernate
	now      func() time.Time // the clock of the waits
	base     time.Time        // waits are measured from here
	waitFrom atomic.Int64     // when the latest Read began to wait, since base
	stats    *counters

	mu      sync.Mutex
	user    time.Time // the handler's read deadline; zero for none
	idleAt  time.Time // the idle deadline set on the socket
	expired bool      // closed for idleness
	parked  bool      // hibernated: its socket is on the poller (see Close)
}

func newIdleConn(nc net.Conn, timeout, hibAfter time.Duration, now func() time.Time, stats *counters) *idleConn {
	return &idleConn{Conn: nc, timeout: timeout, hibAfter: hibAfter, now: now, base: now(), stats: stats}
}

// start sets the first deadline; it runs on the connection's goroutine,
// off the accept loop, and again at each wake from hibernation, whose
// bytes end the idleness.
func (c *idleConn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waitFrom.Store(int64(c.now().Sub(c.base)))
	c.idleAt = time.Now().Add(c.next(0, false))
	c.setLocked()
}

// next is how long from now the socket's deadline should be, for a wait
// (or a Read: wait false) that has lasted waited: the sooner of the idle
// timeout's end and, for a wait, hibernation's. A Read arms hibernation's
// whole span, for the waits to come.
func (c *idleConn) next(waited time.Duration, wait bool) time.Duration {
	d := time.Duration(0)
	if c.timeout > 0 {
		d = c.timeout - waited
	}
	if c.hibAfter > 0 {
		h := c.hibAfter
		if wait {
			h -= waited
		}
		if d == 0 || h < d {
			d = h
		}
	}
	return d
}

// idleLeft is how much of the idle timeout is left to a wait that ends
// in hibernation: the poller closes the connection once it has passed.
// 0 means no idle timeout.
func (c *idleConn) idleLeft() time.Duration {
	if c.timeout <= 0 {
		return 0
	}
	waited := c.now().Sub(c.base) - time.Duration(c.waitFrom.Load())
	return max(c.timeout-waited, 1)
}

// Read reads as the socket does, and ends the connection when it has
// waited IdleTimeout without a byte, with an error that wraps
// ErrIdleTimeout.
func (c *idleConn) Read(p []byte) (int, error) {
	c.waitFrom.Store(int64(c.now().Sub(c.base)))
	for {
		n, err := c.Conn.Read(p)
		if n > 0 || err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if err := c.deadlinePassed(err, false); err != nil {
			return 0, err
		}
	}
}

// deadlinePassed tells whose the socket's deadline was: the handler's
// (err is returned), idleness (the connection is closed), hibernation's
// for a wait (ErrHibernate; the deadline stays passed until the wake
// or the next wait moves it), or an earlier wait's (the deadline moves
// on, and nil says read on).
func (c *idleConn) deadlinePassed(err error, wait bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired {
		return c.idleErr()
	}
	if !c.user.IsZero() && !time.Now().Before(c.user) {
		return err
	}
	waited := c.now().Sub(c.base) - time.Duration(c.waitFrom.Load())
	if c.timeout > 0 && waited >= c.timeout {
		c.expired = true
		c.stats.idleClosed.Add(1)
		c.Conn.Close()
		return c.idleErr()
	}
	if wait && c.hibAfter > 0 && waited >= c.hibAfter {
		return ErrHibernate
	}
	c.idleAt = time.Now().Add(c.next(waited, wait))
	return c.setLocked()
}

func (c *idleConn) idleErr() error {
	return &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: ErrIdleTimeout}
}

// setLocked gives the socket the earlier of the handler's deadline and the
// idle one.
func (c *idleConn) setLocked() error {
	d := c.idleAt
	if !c.user.IsZero() && (d.IsZero() || c.user.Before(d)) {
		d = c.user
	}
	return c.Conn.SetReadDeadline(d)
}

// SetReadDeadline sets the handler's read deadline, kept apart from the
// idle one.
func (c *idleConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.user = t
	return c.setLocked()
}

// SetDeadline sets the handler's read and write deadlines.
func (c *idleConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// NetConn returns the accepted socket, as tls.Conn's NetConn does: for
// what needs the concrete type (CloseWrite, File, socket options). Reads
// on it bypass the idle timeout. Behind a trusted balancer it returns the
// layer that read the PROXY header, which keeps the client's RemoteAddr
// and the bytes read past the header; its own NetConn is the socket.
func (c *idleConn) NetConn() net.Conn { return c.Conn }

// closedIdle reports whether the connection was closed for idleness.
func (c *idleConn) closedIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.expired
}
