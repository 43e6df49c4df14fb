package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

// errConnDone is every connection service's return value. suture restarts
// a service that returns anything else, and a handler must never run twice
// on a used connection.
var errConnDone = fmt.Errorf("listener: connection ended: %w", suture.ErrDoNotRestart)

// connEnv is what every connection of one Serve shares.
type connEnv struct {
	name             string // the listener's
	handler          Handler
	tls              *tls.Config
	idle             time.Duration    // IdleTimeout; 0 for none
	handshakeTimeout time.Duration    // TLSHandshakeTimeout; 0 for none
	now              func() time.Time // the idle timeout's clock
	log              zerolog.Logger
	logConns         bool // whether per-connection loggers are worth building
	stats            *counters
	conns            *tracker
	proxy            *proxyPolicy // nil: no PROXY protocol
	rejects          *rejecter    // for a balancer's client over MaxConnsPerIP

	// ctx is every handler's ctx (with its logger added). Its cancel is
	// step 2 of a graceful stop: one cancel reaches all handlers.
	ctx context.Context
}

func newConnEnv(c config, ctx context.Context, log zerolog.Logger, stats *counters, conns *tracker, rejects *rejecter) *connEnv {
	ev := log.Error()
	logConns := ev.Enabled()
	ev.Discard()
	return &connEnv{
		name: c.name, handler: c.handler, tls: c.tls, idle: c.idle, now: c.now,
		handshakeTimeout: c.handshakeTimeout,
		log:              log, logConns: logConns, stats: stats, conns: conns, ctx: ctx,
		proxy: c.proxy, rejects: rejects,
	}
}

// conn is one connection as a transient suture service.
type conn struct {
	env    *connEnv
	raw    net.Conn   // the accepted socket, closed by force at the drain deadline
	proxy  *proxyConn // over raw when a trusted balancer sends a PROXY header
	nc     net.Conn   // what the handler gets: raw, or layers over it (proxy, idle, TLS)
	id     uint64
	idle   *idleConn   // under nc when IdleTimeout is set
	gen    *generation // set by the tracker
	ip     netip.Addr  // the remote IP counted for MaxConnsPerIP, if any; guarded by tracker.mu
	forced atomic.Bool
}

// newConn wraps an accepted socket; the PROXY header (when proxied) and
// the TLS handshake, if any, are read on the connection's goroutine,
// before the handler.
func (e *connEnv) newConn(nc net.Conn, id uint64, proxied bool) *conn {
	c := &conn{env: e, raw: nc, nc: nc, id: id}
	if proxied {
		c.proxy = &proxyConn{Conn: nc}
		c.nc = c.proxy
	}
	if e.idle > 0 {
		c.idle = newIdleConn(c.nc, e.idle, e.now, e.stats)
		c.nc = c.idle
	}
	if e.tls != nil {
		c.nc = tls.Server(c.nc, e.tls)
	}
	return c
}

// String is what suture's logs and reports call the connection: the
// listener's name, the remote address and the id. suture calls it at every
// Add, on the accept path, so it is built in one allocation.
func (c *conn) String() string {
	var buf [96]byte
	b := append(buf[:0], c.env.name...)
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
// The handler's ctx is the shared one of connEnv rather than the one
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
func (c *conn) Serve(context.Context) (err error) {
	defer c.finish(&err)
	ctx, ok := c.begin()
	if !ok {
		return errConnDone
	}
	c.ended(c.env.handler.ServeConn(ctx, c.nc))
	return errConnDone
}

// logger returns the listener's logger with the connection's fields added
// by a hook when a line is written, not copied into a logger context up
// front: most connections never log, and With() costs a buffer and the
// formatting of both addresses for every one of them.
func (c *conn) logger() zerolog.Logger {
	if !c.env.logConns {
		return c.env.log
	}
	return c.env.log.Hook(c)
}

// begin makes the handler's ctx (with the connection's logger) and does
// what comes before the handler: the PROXY header, the idle timeout's
// first deadline, the TLS handshake. It reports false when the connection
// is not to be served.
//
//go:noinline
func (c *conn) begin() (context.Context, bool) {
	ctx, log := c.env.ctx, c.logger()
	if c.env.logConns {
		ctx = log.WithContext(ctx)
	}
	if c.proxy != nil && !c.readProxyHeader(ctx, log) {
		return nil, false
	}
	if c.idle != nil {
		c.idle.start()
	}
	if tc, ok := c.nc.(*tls.Conn); ok {
		if err := c.handshake(ctx, tc); err != nil {
			log.Debug().Err(err).Msg("TLS handshake failed; connection closed")
			return nil, false
		}
	}
	return ctx, true
}

// ended logs how the handler ended, when that is worth a line.
//
//go:noinline
func (c *conn) ended(herr error) {
	switch {
	case c.idle != nil && c.idle.closedIdle():
		log := c.logger()
		log.Debug().Stringer("idle_timeout", c.env.idle).Msg("no byte read for IdleTimeout; connection closed")
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
		c.env.stats.panics.Add(1)
		log := c.logger()
		log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).
			Msg("handler panicked; connection closed")
	}
	c.nc.Close()
	if c.nc != c.raw {
		c.raw.Close() // after the TLS layer, which may fail to send its alert
	}
	c.env.conns.end(c)
}

// readProxyHeader reads a trusted balancer's PROXY header and counts the
// client it names against MaxConnsPerIP. It reports false when the
// connection is not to be served: its header was bad (logged, and
// counted), the listener is stopping, or its client is over the cap (then
// answered by Reject, here: this connection already holds a slot).
func (c *conn) readProxyHeader(ctx context.Context, log zerolog.Logger) bool {
	e := c.env
	if err := c.proxy.readHeader(ctx, e.proxy); err != nil {
		if ctx.Err() != nil {
			return false
		}
		if n := e.stats.proxyHeaderErrors.Add(1); bits.OnesCount64(n) == 1 {
			// The 1st, 2nd, 4th...: a misconfigured balancer costs a
			// few lines.
			log.Warn().Err(err).Uint64("proxy_header_errors", n).Msg("PROXY protocol header refused; connection closed")
		}
		return false
	}
	if !e.conns.takeClientIP(c, c.proxy.RemoteAddr()) {
		e.rejects.answerNow(c.proxy, e.conns.maxPerIP)
		return false
	}
	return true
}

// handshake runs the TLS handshake before the handler, within
// TLSHandshakeTimeout, so that a client that connects and never finishes
// it holds its slot for a bounded time, and a stop does not wait for it.
func (c *conn) handshake(ctx context.Context, tc *tls.Conn) error {
	timeout := c.env.handshakeTimeout
	if timeout > 0 {
		tc.SetDeadline(time.Now().Add(timeout))
	}
	stop := context.AfterFunc(ctx, func() { tc.SetDeadline(aLongTimeAgo) })
	err := tc.Handshake()
	stop()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			c.env.stats.handshakeTimeouts.Add(1)
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
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		(c.forced.Load() && errors.Is(err, context.Canceled))
}
