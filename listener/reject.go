package listener

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// Overflow is what a [Server] does with a connection that would pass
// MaxConns. A connection over MaxConnsPerIP is always rejected.
type Overflow int

const (
	// OverflowReject, the default, accepts the connection, hands it to
	// the Server's Reject handler for at most RejectTimeout, and closes
	// it; with no Reject, it closes it at once. The client learns at
	// once that the server is full, as redis-server answers "-ERR max
	// number of clients reached", instead of hanging in the kernel's
	// backlog until its own timeout.
	OverflowReject Overflow = iota

	// OverflowBacklog stops calling Accept at MaxConns, so new
	// connections wait in the kernel's backlog (and, once it is full,
	// the kernel drops their SYNs) until a connection ends. It suits
	// clients that would rather wait than be told to retry, and short
	// bursts. MaxConnsPerIP still rejects: its excess is known only
	// after Accept.
	OverflowBacklog
)

// String names the policy as its constant does.
func (o Overflow) String() string {
	switch o {
	case OverflowReject:
		return "OverflowReject"
	case OverflowBacklog:
		return "OverflowBacklog"
	}
	return fmt.Sprintf("Overflow(%d)", int(o))
}

// rejecter answers the connections turned away at a cap, off the accept
// loop so that a slow or malicious client cannot stall accepting: each on
// a goroutine of its own, each bounded by a deadline, at most
// maxRejecting at once. Past that bound, and with no Reject handler, a
// connection is closed at once: closing is an answer too, and costs the
// accept loop one close.
type rejecter struct {
	run *run

	slots  chan struct{} // one token per rejection in flight
	ctx    context.Context
	cancel context.CancelFunc // stop cuts every rejection in flight short
	wg     sync.WaitGroup
}

func newRejecter(r *run) *rejecter {
	ctx, cancel := context.WithCancel(context.Background())
	return &rejecter{run: r, slots: make(chan struct{}, maxRejecting), ctx: ctx, cancel: cancel}
}

// turnAway answers nc, which admission refused for v, and closes it; it
// never waits for the client. A connection that holds a MaxConns slot (a
// balancer's client, refused once its header named it) is answered on the
// caller's goroutine, its own: its slot bounds these as MaxConns bounds
// connections. Any other is answered on a goroutine of its own, at most
// maxRejecting at once, so that the accept loop never waits.
func (rj *rejecter) turnAway(nc net.Conn, v verdict, held bool) {
	rj.count(nc, v)
	switch {
	case rj.run.reject == nil:
		rj.close(nc)
	case held:
		rj.answer(nc)
	default:
		select {
		case rj.slots <- struct{}{}:
		default:
			rj.close(nc)
			return
		}
		rj.wg.Add(1)
		go func() {
			defer rj.wg.Done()
			defer func() { <-rj.slots }()
			rj.answer(nc)
		}()
	}
}

// close closes a connection turned away and wakes the acceptor, which
// may be waiting for a descriptor.
func (rj *rejecter) close(nc net.Conn) {
	nc.Close()
	rj.run.descriptorFreed()
	if h := rj.run.hooks.rejectionClosed; h != nil {
		h()
	}
}

// count counts and logs a connection turned away.
func (rj *rejecter) count(nc net.Conn, v verdict) {
	r := rj.run
	n := r.stats.rejected.Add(1)
	name, limit := "max_conns", r.maxConns
	if v == overMaxConnsPerIP {
		r.stats.rejectedPerIP.Add(1)
		name, limit = "max_conns_per_ip", r.maxPerIP
	}
	if worthALine(n) {
		r.log.Warn().Int(name, limit).Uint64("rejected", n).Stringer("remote", nc.RemoteAddr()).
			Msg("connection over the cap rejected")
	}
}

// answer runs the Reject handler on nc within the deadline, then closes
// nc at once, so that its descriptor is free for the next client. The
// answer must not be lost to a reset: closing a socket with unread input
// makes the kernel send RST, which can discard the reply before the client
// reads it. So the write side is shut first (the reply, then FIN), and
// what the client has sent so far is read and dropped without waiting, as
// redis-server answers "max number of clients reached" and closes. Where
// a socket cannot be read without waiting, the rejection lingers until
// its client closes or the deadline passes.
func (rj *rejecter) answer(nc net.Conn) {
	r := rj.run
	defer rj.close(nc)
	nc.SetDeadline(time.Now().Add(r.rejectWait))
	stop := context.AfterFunc(rj.ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer stop()

	conn := nc
	if r.tls != nil {
		conn = tls.Server(nc, r.tls)
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				r.stats.panics.Add(1)
				r.log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).
					Stringer("remote", nc.RemoteAddr()).Msg("Reject panicked; connection closed")
			}
		}()
		if err := r.reject.ServeConn(rj.ctx, conn); err != nil {
			r.log.Debug().Err(err).Stringer("remote", nc.RemoteAddr()).Msg("Reject returned an error")
		}
	}()
	if tc, ok := conn.(*tls.Conn); ok {
		_ = tc.CloseWrite() // close_notify, when the handshake finished
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil && !discardUnread(nc) {
		// Read until the client closes or the deadline passes.
		_, _ = io.Copy(io.Discard, nc)
	}
}

// stop cuts the rejections in flight short and waits for them.
func (rj *rejecter) stop() {
	rj.cancel()
	rj.wg.Wait()
}

// aLongTimeAgo is a deadline already past: setting it makes a blocked
// read or write return at once.
var aLongTimeAgo = time.Unix(1, 0)
