package listener

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"syscall"
	"time"

	"github.com/thejerf/suture/v4"
)

// acceptor is the accept loop, a service of its own so that a socket fault
// restarts only it: the connections live under other supervisors.
type acceptor struct {
	run    *run
	starts int
}

func (a *acceptor) String() string { return a.run.cfg.name + " acceptor" }

// Serve accepts until ctx is cancelled. Closing the listening socket is what
// unblocks Accept; the net.ErrClosed that follows a cancelled ctx is the
// normal way out. A non-temporary accept error returns, and suture restarts
// the acceptor, which binds again.
func (a *acceptor) Serve(ctx context.Context) error {
	r := a.run
	a.starts++
	if a.starts > 1 {
		r.srv.counters.acceptorRestarts.Add(1)
	}
	ln := r.first
	r.first = nil
	if ln == nil {
		var err error
		if ln, err = r.rebind(ctx); err != nil {
			return err
		}
	}
	r.setAccepting(true)
	defer r.setAccepting(false)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if r.cfg.listener == nil {
		// A given Listener is closed by Serve, not here: a restarted
		// acceptor could not bind it again.
		defer ln.Close()
	}
	r.srv.setBound(ln.Addr())

	var b backoff
	for {
		if !r.acquireSlot(ctx) {
			return nil
		}
		nc, err := ln.Accept()
		if err != nil {
			r.releaseSlot()
			if ctx.Err() != nil {
				if !errors.Is(err, net.ErrClosed) {
					r.log.Debug().Err(err).Msg("accept error while stopping")
				}
				return nil
			}
			if isTemporary(err) {
				if !b.pause(ctx, r, err) {
					return nil
				}
				continue
			}
			if r.cfg.listener != nil {
				// No point in restarting: the same broken Listener would
				// fail again. End the subtree and let Serve report it.
				r.listenerErr = err
				return fmt.Errorf("%w: accept: %w%w", ErrListenerFailed, err, errTerminate)
			}
			return fmt.Errorf("listener %s: accept: %w", r.cfg.name, err)
		}
		b.recovered(r)
		r.srv.counters.accepted.Add(1)
		r.startConn(nc)
	}
}

var (
	errTerminate    = wrapOnly{suture.ErrTerminateSupervisorTree}
	errDoNotRestart = wrapOnly{suture.ErrDoNotRestart}
)

// wrapOnly lets a suture sentinel ride along in an error chain (so suture
// sees it with errors.Is) without adding its text to the message.
type wrapOnly struct{ err error }

func (w wrapOnly) Error() string { return "" }
func (w wrapOnly) Unwrap() error { return w.err }

// rebindTries bounds how often a restarted acceptor retries a bind that
// found its address in use before it fails and leaves the retrying to
// suture's restart intensity.
const rebindTries = 8

// rebind binds again after a fault. The port the fault freed can be taken,
// for a moment, by any socket on the machine that binds or dials with an
// ephemeral port; waiting that out here, with the accept backoff, keeps a
// passing collision from spending the supervisor's restart intensity.
func (r *run) rebind(ctx context.Context) (net.Listener, error) {
	var b backoff
	for try := 1; ; try++ {
		ln, err := r.bind()
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || try == rebindTries {
			return ln, err
		}
		if !b.wait(ctx, r) {
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

// backoff paces the accept loop through a burst of temporary errors, as
// net/http does: the pause starts at the minimum and doubles up to the
// maximum. It logs the first error of a burst and then only when the count
// reaches a power of two, so a long burst costs a few lines, not one per
// error.
type backoff struct {
	delay time.Duration
	count uint64
}

func (b *backoff) pause(ctx context.Context, r *run, err error) bool {
	r.srv.counters.tmp.Add(1)
	if bits.OnesCount64(b.count+1) == 1 {
		r.log.Warn().Err(err).Uint64("errors", b.count+1).Dur("backoff", b.next(r)).
			Msg("temporary accept error; backing off")
	}
	return b.wait(ctx, r)
}

// next is the pause the next wait takes.
func (b *backoff) next(r *run) time.Duration {
	if b.delay == 0 {
		return r.cfg.backoffMin
	}
	return min(2*b.delay, r.cfg.backoffMax)
}

// wait pauses for the next delay, or until ctx ends (then it reports
// false).
func (b *backoff) wait(ctx context.Context, r *run) bool {
	b.count++
	b.delay = b.next(r)
	sleep := r.srv.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return sleep(ctx, b.delay)
}

func (b *backoff) recovered(r *run) {
	if b.count > 0 {
		r.log.Info().Uint64("errors", b.count).Msg("accepting again after temporary errors")
		*b = backoff{}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// acquireSlot takes a connection slot, waiting while MaxConns connections
// are open. Not accepting at the cap leaves new connections in the kernel's
// backlog instead of accepting and dropping them.
func (r *run) acquireSlot(ctx context.Context) bool {
	if r.slots == nil {
		return ctx.Err() == nil
	}
	select {
	case r.slots <- struct{}{}:
		return true
	default:
	}
	r.srv.counters.atCap.Add(1)
	r.log.Debug().Int("max_conns", r.cfg.maxConns).Msg("at connection cap; waiting for a slot")
	select {
	case r.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *run) releaseSlot() {
	if r.slots != nil {
		<-r.slots
	}
	if r.srv.slotFreed != nil {
		r.srv.slotFreed()
	}
}
