package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/internal/logfield"
)

// acceptor is the accept loop, a service of its own so that a socket fault
// restarts only it: the connections live under other supervisors. It owns
// the listening socket and the pacing of its errors; it admits every
// accepted connection and hands it to the tracker, or to the rejecter
// when it is over a cap.
type acceptor struct {
	run   *run
	first net.Listener // bound by Serve, for the first start

	starts    int
	nextID    uint64      // the last connection's id
	accepting atomic.Bool // for stop reports
	// failed is a given Listener's final accept error, written before
	// the acceptor's subtree ends and read by Serve after.
	failed error
}

// maxQueuedAtStop bounds the connections taken from the accept queue at
// the stop: a queue is at most the kernel's backlog (somaxconn, 4096 by
// default), and each taken connection is served within the drain.
const maxQueuedAtStop = 4096

func (a *acceptor) String() string { return a.run.name + " acceptor" }

// Serve accepts until ctx is cancelled. Closing the listening socket is what
// unblocks Accept; the net.ErrClosed that follows a cancelled ctx is the
// normal way out. A non-temporary accept error returns, and suture restarts
// the acceptor, which binds again.
func (a *acceptor) Serve(ctx context.Context) error {
	r := a.run
	a.starts++
	if a.starts > 1 {
		r.stats.acceptorRestarts.Add(1)
	}
	ln := a.first
	a.first = nil
	if ln == nil {
		var err error
		if ln, err = a.rebind(ctx); err != nil {
			return err
		}
	}
	if r.listener == nil && r.listenBacklog > 0 {
		// Before Ready: a client that connects once the Server is ready
		// finds the queue at its length.
		if err := setBacklog(ln, r.listenBacklog); err != nil {
			r.log.Warn().Err(err).Int("backlog", r.listenBacklog).Msg("accept queue length not set; the system's kept")
		}
	}
	a.accepting.Store(true)
	defer a.accepting.Store(false)
	// At the stop, what the kernel has queued is taken before the close
	// resets it, and served within the drain (takeQueued).
	var queued []net.Conn
	unblocked := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(unblocked)
		if !r.backlog { // OverflowBacklog's slots are taken one Accept at a time
			queued = takeQueued(ln, maxQueuedAtStop)
		}
		ln.Close()
	})
	if r.listener == nil {
		// A given Listener is closed by Serve, not here: a restarted
		// acceptor could not bind it again.
		defer ln.Close()
	}
	// Before the close above: what is queued when the loop ends at a stop
	// is served, whether the AfterFunc ran or the loop saw ctx end first.
	defer func() {
		switch {
		case !stop():
			<-unblocked
		case ctx.Err() != nil && !r.backlog:
			queued = takeQueued(ln, maxQueuedAtStop)
		}
		for _, nc := range queued {
			r.stats.accepted.Add(1)
			a.dispatch(nc)
		}
	}()
	r.sock.Serving(ln.Addr())
	// Before the loop's first wait, so that every Suspend is either seen
	// by a wait or finds this socket to cut short.
	r.pause.serving(ln)
	defer r.pause.serving(nil)

	b := a.backoff()
	for {
		if !r.pause.wait(ctx) || (r.backlog && !r.conns.reserve(ctx)) {
			return nil
		}
		if !r.pause.enter() {
			// Suspended since the wait (while it waited for a slot):
			// wait again, with the slot given back.
			if r.backlog {
				r.conns.free()
			}
			continue
		}
		nc, err := ln.Accept()
		if err == nil {
			// Before leave: a Suspend waiting for this Accept
			// returns with the connection counted.
			r.stats.accepted.Add(1)
		}
		cutShort := r.pause.leave(err)
		if err != nil {
			if r.backlog {
				r.conns.free()
			}
			if cutShort {
				continue // suspended: the loop's wait holds it
			}
			if ctx.Err() != nil {
				if !errors.Is(err, net.ErrClosed) {
					r.log.Debug().Err(err).Msg("accept error while stopping")
				}
				return nil
			}
			if isTemporary(err) {
				r.stats.tmp.Add(1)
				if worthALine(b.count + 1) {
					r.log.Warn().Err(err).Uint64("errors", b.count+1).Stringer("backoff", logfield.Duration(b.next())).
						Msg("temporary accept error; backing off")
				}
				if !b.wait(ctx) {
					return nil
				}
				continue
			}
			if r.listener != nil {
				// No point in restarting: the same broken Listener would
				// fail again. End the subtree and let Serve report it.
				a.failed = err
				return fmt.Errorf("%w: accept: %w%w", ErrListenerGone, err, bind.Terminate)
			}
			return fmt.Errorf("%s: accept: %w", errorName(r.name), err)
		}
		if n := b.recovered(); n > 0 {
			r.log.Info().Uint64("errors", n).Msg("accepting again after temporary errors")
		}
		if !a.held(ctx, nc) {
			return nil
		}
		a.dispatch(nc)
	}
}

// held keeps nc, accepted but unserved, while the Server is suspended:
// a connection that Accept returned as a Suspend came, or after it on a
// socket that Suspend could not cut short. It reports false, having
// closed nc, when ctx ended first.
func (a *acceptor) held(ctx context.Context, nc net.Conn) bool {
	r := a.run
	if !r.pause.suspended() {
		return true
	}
	if r.hooks.held != nil {
		r.hooks.held()
	}
	if r.pause.wait(ctx) {
		return true
	}
	nc.Close()
	r.stats.closedAtStop.Add(1)
	if r.backlog {
		r.conns.free()
	}
	return false
}

// dispatch serves nc, or turns it away when admission refuses it. With
// OverflowBacklog its slot is already reserved. A balancer's client is
// known only once its header names it: its share of MaxConnsPerIP is
// counted then, on its own goroutine, by the same admission.
func (a *acceptor) dispatch(nc net.Conn) {
	r := a.run
	c := r.newConn(nc)
	v := r.conns.admit(c, c.client())
	if v == admitted {
		a.nextID++
		c.id = a.nextID
		if c.parksAtAccept() {
			r.conns.startAsleep(c)
			return
		}
		r.conns.start(c)
		return
	}
	r.conns.release(c)
	r.rejects.turnAway(nc, v, false)
}

// backoff is a fresh pacing of temporary accept errors.
func (a *acceptor) backoff() backoff {
	return backoff{min: a.run.backoffMin, max: a.run.backoffMax, sleep: a.run.hooks.sleep, wake: a.run.freed}
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
	b := a.backoff()
	for try := 1; ; try++ {
		ln, err := a.run.bind(ctx)
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
