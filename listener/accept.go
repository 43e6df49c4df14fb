package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
)

// acceptor is the accept loop, a service of its own so that a socket fault
// restarts only it: the connections live under other supervisors. It owns
// the listening socket and the pacing of its errors; it hands every
// accepted connection to the tracker.
type acceptor struct {
	name    string
	log     zerolog.Logger
	stats   *counters
	bind    func(context.Context) (net.Listener, error) // opens the socket, again after a fault
	serving func(net.Addr)                              // reports the socket to Ready and BoundAddr
	given   bool                                        // the socket is the Server's Listener: never re-bound
	first   net.Listener                                // bound by Serve, for the first start
	pace    backoff                                     // the template of each start's backoff
	conns   *tracker
	backlog bool      // Overflow is OverflowBacklog: wait for a slot before Accept
	rejects *rejecter // answers connections over a cap
	env     *connEnv  // what every connection shares

	starts    int
	nextID    uint64      // the last connection's id
	accepting atomic.Bool // for stop reports
	// failed is a given Listener's final accept error, written before
	// the acceptor's subtree ends and read by Serve after.
	failed error
}

func (a *acceptor) String() string { return a.name + " acceptor" }

// Serve accepts until ctx is cancelled. Closing the listening socket is what
// unblocks Accept; the net.ErrClosed that follows a cancelled ctx is the
// normal way out. A non-temporary accept error returns, and suture restarts
// the acceptor, which binds again.
func (a *acceptor) Serve(ctx context.Context) error {
	a.starts++
	if a.starts > 1 {
		a.stats.acceptorRestarts.Add(1)
	}
	ln := a.first
	a.first = nil
	if ln == nil {
		var err error
		if ln, err = a.rebind(ctx); err != nil {
			return err
		}
	}
	a.accepting.Store(true)
	defer a.accepting.Store(false)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if !a.given {
		// A given Listener is closed by Serve, not here: a restarted
		// acceptor could not bind it again.
		defer ln.Close()
	}
	a.serving(ln.Addr())

	b := a.pace
	for {
		if a.backlog && !a.conns.reserve(ctx) {
			return nil
		}
		nc, err := ln.Accept()
		if err != nil {
			if a.backlog {
				a.conns.free()
			}
			if ctx.Err() != nil {
				if !errors.Is(err, net.ErrClosed) {
					a.log.Debug().Err(err).Msg("accept error while stopping")
				}
				return nil
			}
			if isTemporary(err) {
				a.stats.tmp.Add(1)
				if !b.pause(ctx, err) {
					return nil
				}
				continue
			}
			if a.given {
				// No point in restarting: the same broken Listener would
				// fail again. End the subtree and let Serve report it.
				a.failed = err
				return fmt.Errorf("%w: accept: %w%w", ErrListenerGone, err, bind.Terminate)
			}
			return fmt.Errorf("%s: accept: %w", errorName(a.name), err)
		}
		b.recovered()
		a.stats.accepted.Add(1)
		a.admit(nc)
	}
}

// admit starts nc, or turns it away when it is over a cap. With
// OverflowBacklog its slot is already reserved.
func (a *acceptor) admit(nc net.Conn) {
	if !a.backlog && !a.conns.tryReserve() {
		a.rejects.turnAway(nc, false, a.conns.maxConns)
		return
	}
	proxied := a.env.proxy != nil && a.env.proxy.trusts(nc)
	var ip netip.Addr
	if !proxied {
		// A balancer's client is counted once its header names it, on
		// the connection's goroutine (see conn.readProxyHeader).
		var ok bool
		if ip, ok = a.conns.takeIP(nc.RemoteAddr()); !ok {
			a.conns.free()
			a.rejects.turnAway(nc, true, a.conns.maxPerIP)
			return
		}
	}
	a.nextID++
	c := a.env.newConn(nc, a.nextID, proxied)
	c.ip = ip
	a.conns.start(c)
}

// rebindTries bounds how often a restarted acceptor retries a bind that
// found its address in use before it fails and leaves the retrying to
// suture's restart intensity.
const rebindTries = 8

// rebind binds again after a fault. The port the fault freed can be taken,
// for a moment, by any socket on the machine that binds or dials with an
// ephemeral port; waiting that out here, with the accept backoff, keeps a
// passing collision from spending the supervisor's restart intensity.
func (a *acceptor) rebind(ctx context.Context) (net.Listener, error) {
	b := a.pace
	for try := 1; ; try++ {
		ln, err := a.bind(ctx)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || try == rebindTries {
			return ln, err
		}
		if !b.wait(ctx) {
			return nil, err
		}
	}
}

// isTemporary reports whether an accept error says "try again later" rather
// than "this socket is broken".
func isTemporary(err error) bool {
	if isTemporaryErrno(err) {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}
