package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/internal/logfield"
)

// errConnDone is every connection service's return value. suture restarts
// a service that returns anything else, and a handler must never run twice
// on a used connection.
var errConnDone = fmt.Errorf("listener: connection ended: %w", suture.ErrDoNotRestart)

// conn is one connection as a transient suture service.
//
// Its fields but forced are written by the acceptor until the connection
// starts, then by the connection's own goroutine: the Add that starts it
// orders the two, and nothing else writes them.
type conn struct {
	run    *run
	raw    net.Conn   // the accepted socket, closed by force at the drain deadline
	proxy  *proxyConn // over raw when a trusted balancer sends a PROXY header
	nc     net.Conn   // what the handler gets: raw, or layers over it (proxy, idle, TLS)
	id     uint64
	idle   *idleConn   // under nc when IdleTimeout is set
	gen    *generation // set by the tracker
	slot   bool        // it holds a MaxConns slot
	ip     netip.Addr  // the remote IP counted for MaxConnsPerIP, if any
	forced atomic.Bool
	// tlsUnder is under nc when TLSConfig is set (tlsclose.go).
	tlsUnder *tlsTransport

	// Hibernation (hibernate.go): the handler's state while the socket
	// is parked, whether finish is to park it, whether it has been woken
	// (begin's work is done), and its parks so far, which tell the
	// poller's idle deadlines of earlier parks from this one's.
	state  any
	asleep bool
	woken  bool
	parks  uint32
	// unborn: parked at accept (HibernateAtAccept); its first wake
	// runs all of begin.
	unborn bool
}

// newConn wraps an accepted socket, whose slot OverflowBacklog has
// reserved before Accept. The PROXY header (from a trusted balancer), the
// idle timeout's and the TLS layers and the TLS handshake come later, on
// the connection's goroutine, before the handler.
func (r *run) newConn(nc net.Conn) *conn {
	c := &conn{run: r, raw: nc, nc: nc, slot: r.backlog}
	if r.proxy != nil && r.proxy.trusts(nc) {
		c.proxy = &proxyConn{Conn: nc}
		c.nc = c.proxy
	}
	return c
}

// client is the address admission counts: the socket's peer, or nil for
// a trusted balancer's connection until its PROXY header names the
// client.
func (c *conn) client() net.Addr {
	if c.proxy != nil {
		return nil
	}
	return c.raw.RemoteAddr()
}

// String is what suture's logs and reports call the connection: the
// listener's name, the remote address and the id. suture calls it at every
// Add, on the accept path, so it is built in one allocation.
func (c *conn) String() string {
	var buf [96]byte
	b := append(buf[:0], c.run.name...)
	b = append(b, ' ')
	return string(c.appendPart(b))
}

// part names the connection within its listener, for stop reports.
func (c *conn) part() string {
	var buf [64]byte
	return string(c.appendPart(buf[:0]))
}

func (c *conn) appendPart(b []byte) []byte {
	b = append(b, "conn "...)
	switch a := c.remote().(type) {
	case *net.TCPAddr:
		b = a.AddrPort().AppendTo(b)
	case nil:
		b = append(b, '?')
	default:
		b = append(b, a.String()...)
	}
	b = append(b, " (id "...)
	b = strconv.AppendUint(b, c.id, 10)
	return append(b, ')')
}

// remote is the client's address: the PROXY header's, or the socket's.
func (c *conn) remote() net.Addr {
	if c.proxy != nil {
		return c.proxy.RemoteAddr()
	}
	return c.raw.RemoteAddr()
}

// Serve runs the handler and always ends the service: a connection is never
// restarted. A panic is recovered here rather than by suture, so that it
// costs only this connection and does not count against the restart
// intensity of the supervisor the other connections share.
//
// The handler's ctx is the run's shared one rather than the one
// suture passes: suture cancels a connection's service only when the
// listener stops the connection supervisors, which it does after the
// drain, so the listener's own cancel is the one that reaches handlers,
// all at once.
//
// Serve's own frame stays on the goroutine's stack under the handler for
// the life of the connection, so what it needs only before or after the
// handler (the logger, the PROXY header, the TLS handshake, the report)
// lives in the frames of the calls that do it. An idle connection's stack
// is then the handler's wait and little more.
//
// A woken connection (see [Hibernate]) is served by a new service with
// the same conn: begin's work is done, and its handler starts again.
func (c *conn) Serve(context.Context) (err error) {
	defer c.finish(&err)
	ctx, ok := c.begin()
	if !ok {
		return errConnDone
	}
	c.ended(c.run.handler.ServeConn(ctx, c.nc))
	return errConnDone
}

// logger returns the listener's logger with the connection's fields added
// by a hook when a line is written, not copied into a logger context up
// front: most connections never log, and With() costs a buffer and the
// formatting of both addresses for every one of them.
//
//go:noinline
func (c *conn) logger() zerolog.Logger {
	if !c.run.logConns {
		return c.run.log
	}
	return c.run.log.Hook(c)
}

// begin makes the handler's ctx (with the connection's logger) and does
// what comes before the handler: the PROXY header, the idle timeout's
// first deadline, the TLS handshake. It reports false when the connection
// is not to be served.
//
// The logger's copies (a zerolog.Logger is passed by value, 128 bytes a
// copy) live in the frames of the calls below, not in begin's: begin's
// frame is under every call they make, and a frame of 680 bytes here took
// the goroutine past its 2 KiB starting stack while the connection's
// logger was put in ctx, leaving every connection with 4 KiB for life.
//
//go:noinline
func (c *conn) begin() (context.Context, bool) {
	if c.woken {
		// Counted here, before the handler reads a byte, so that a reply
		// to the byte that woke it is never seen before its wake is.
		if c.parks > 0 { // 0: parking it at accept failed (startAsleep)
			c.run.stats.wakes.Add(1)
		}
		if !c.unborn {
			return c.wakeCtx(), true
		}
		c.woken, c.unborn = false, false // the first ServeConn: all of begin
	}
	r := c.run
	ctx := c.handlerCtx()
	if c.proxy != nil && !c.proxyHeader(ctx) {
		return nil, false
	}
	if hib := r.hibernate; r.idle > 0 || (hib > 0 && r.tls == nil) {
		if r.tls != nil {
			hib = 0 // a tls.Conn never hibernates: see Hibernate
		}
		c.idle = newIdleConn(c.nc, r.idle, hib, r.hooks.now, r.stats)
		c.nc = c.idle
		c.idle.start()
	}
	if r.tls != nil {
		c.tlsUnder = &tlsTransport{Conn: c.nc}
		tc := tls.Server(c.tlsUnder, r.tls)
		c.nc = tc
		if err := c.handshake(ctx, tc); err != nil {
			c.handshakeFailed(err)
			return nil, false
		}
	}
	return ctx, true
}

// handlerCtx is the handler's ctx: the run's, with the connection's
// logger when one is worth building.
//
//go:noinline
func (c *conn) handlerCtx() context.Context {
	if !c.run.logConns {
		return c.run.handlerCtx
	}
	return c.logger().WithContext(c.run.handlerCtx)
}

//go:noinline
func (c *conn) proxyHeader(ctx context.Context) bool { return c.readProxyHeader(ctx, c.logger()) }

//go:noinline
func (c *conn) handshakeFailed(err error) {
	log := c.logger()
	log.Debug().Err(err).Msg("TLS handshake failed; connection closed")
}

// ended logs how the handler ended, when that is worth a line.
//
//go:noinline
func (c *conn) ended(herr error) {
	switch {
	case c.hibernating(herr):
	case c.idle != nil && c.idle.closedIdle():
		log := c.logger()
		log.Debug().Stringer("idle_timeout", logfield.Duration(c.run.idle)).Msg("no byte read for IdleTimeout; connection closed")
	case herr != nil && !c.quietErr(herr):
		log := c.logger()
		log.Debug().Err(herr).Msg("handler returned an error")
	}
}

// finish recovers a panic of the handler, closes the connection, frees
// its slot and makes Serve return errConnDone even after a panic (a nil
// would have suture run the handler again). It is Serve's deferred call.
func (c *conn) finish(err *error) {
	*err = errConnDone
	if p := recover(); p != nil {
		c.run.stats.panics.Add(1)
		log := c.logger()
		log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).
			Msg("handler panicked; connection closed")
		c.asleep, c.state = false, nil
	}
	if c.asleep {
		c.asleep = false
		if c.hibernate() {
			return // the poller's now
		}
		c.closeAsleep()
		return
	}
	c.close()
}

// readProxyHeader reads a trusted balancer's PROXY header and admits the
// client it names. It reports false when the connection is not to be
// served: its header was bad (logged, and counted), the listener is
// stopping, or admission refused its client (then answered here: this
// connection holds a slot already).
func (c *conn) readProxyHeader(ctx context.Context, log zerolog.Logger) bool {
	r := c.run
	if err := c.proxy.readHeader(ctx, r.proxy); err != nil {
		if ctx.Err() != nil {
			return false
		}
		if n := r.stats.proxyHeaderErrors.Add(1); worthALine(n) {
			log.Warn().Err(err).Uint64("proxy_header_errors", n).Msg("PROXY protocol header refused; connection closed")
		}
		return false
	}
	if v := r.conns.admit(c, c.proxy.RemoteAddr()); v != admitted {
		r.rejects.turnAway(c.proxy, v, true)
		return false
	}
	return true
}

// handshake runs the TLS handshake before the handler, within
// TLSHandshakeTimeout, so that a client that connects and never finishes
// it holds its slot for a bounded time, and a stop does not wait for it.
func (c *conn) handshake(ctx context.Context, tc *tls.Conn) error {
	timeout := c.run.handshakeTimeout
	if timeout > 0 {
		tc.SetDeadline(time.Now().Add(timeout))
	}
	stop := context.AfterFunc(ctx, func() { tc.SetDeadline(aLongTimeAgo) })
	err := tc.Handshake()
	stop()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			c.run.stats.handshakeTimeouts.Add(1)
		}
		return err
	}
	if timeout > 0 && ctx.Err() == nil {
		tc.SetDeadline(time.Time{})
	}
	return nil
}

// forceClose closes the raw socket, which makes the handler's blocked
// reads and writes return. It closes the raw socket, not the TLS layer
// over it, since a TLS close would first try to send an alert to a peer
// that may not be reading.
func (c *conn) forceClose() {
	c.forced.Store(true)
	c.raw.Close()
}

// Run adds the connection's fields to each line logged through the
// handler's logger; it makes conn a zerolog.Hook.
func (c *conn) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Uint64("conn", c.id).
		Stringer("remote", c.remote()).
		Stringer("local", c.raw.LocalAddr())
	if c.proxy != nil {
		e.Stringer("via", c.raw.RemoteAddr())
	}
}

// quietErr reports whether a handler's error is only the echo of the
// connection ending (the peer left, or the drain closed it by force) and
// not worth a log line.
func (c *conn) quietErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, ErrHibernate) ||
		(c.forced.Load() && errors.Is(err, context.Canceled))
}
