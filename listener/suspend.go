package listener

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// Suspend stops the Server accepting while its socket stays bound, as
// ranch's suspend_listener does but without closing the socket: a client
// that connects meanwhile completes its connect into the kernel's backlog
// and waits there, rather than being refused, until [Server.Resume].
// Connections already open are untouched, and a graceful stop while
// suspended runs as any other.
//
// Suspend cuts short an Accept in progress with a deadline on the
// listening socket and waits for it to end, so that nothing is accepted
// once it has returned; a connection that Accept returned as Suspend
// came is counted in Stats().Accepted and waits, accepted but unserved,
// until Resume. A socket without SetDeadline (a Bind or Listener that
// wraps the socket and hides it) cannot be cut short: its Accept in
// progress may still return one connection after Suspend has returned,
// which then waits in the same way.
//
// The state belongs to the Server, not to one Serve: it holds across an
// acceptor's restart after a fault and across a later Serve, so that a
// restart never undoes an operator's suspend; a Server suspended before
// Serve binds (and is Ready) but does not accept. Stats().Suspended is 1
// while suspended. Suspend is safe from any goroutine and idempotent; it
// reports whether this call suspended the Server (false when it was
// suspended already).
func (s *Server) Suspend() bool {
	if !s.pause.suspend() {
		return false
	}
	s.Logger.Info().Str("listener", s.String()).Msg("suspended: not accepting; the socket stays bound")
	return true
}

// Resume undoes [Server.Suspend]: the acceptor accepts again, first what
// waited in the backlog, where it left off. It is safe from any goroutine
// and idempotent; it reports whether this call resumed the Server (false
// when it was not suspended).
func (s *Server) Resume() bool {
	if !s.pause.resume() {
		return false
	}
	s.Logger.Info().Str("listener", s.String()).Msg("resumed: accepting again")
	return true
}

// Suspended reports whether the Server is suspended.
func (s *Server) Suspended() bool { return s.pause.suspended() }

// suspension is a Server's suspended state, and what Suspend needs to
// cut short an Accept in progress and wait for it to end. One mutex keeps
// the state, the socket's deadline and the acceptor's place in step: a
// Resume cannot clear a deadline that a Suspend set after it.
type suspension struct {
	mu      sync.Mutex
	left    sync.Cond     // signalled when an Accept that Suspend cut short ends
	resumed chan struct{} // nil while accepting; closed by resume
	ln      net.Listener  // the acceptor's socket while it serves

	// accepting is set while the acceptor is in Accept; accepts counts
	// its Accepts, so that a Suspend waits for the one it cut short and
	// never for a later one; cut records that a Suspend set the
	// deadline during the Accept in progress.
	accepting bool
	accepts   uint64
	cut       bool
}

// deadliner is a socket whose Accept a deadline cuts short:
// *net.TCPListener and *net.UnixListener.
type deadliner interface {
	SetDeadline(time.Time) error
}

// suspend sets the state and, when the acceptor is in Accept on a socket
// that takes a deadline, cuts that Accept short and waits for it to end:
// a connection it returns meanwhile is counted before suspend returns,
// and none is taken after. (Go's poller can hand Accept a connection
// that arrives after the deadline has passed but before the acceptor's
// goroutine runs, so the deadline alone would not be enough.)
func (p *suspension) suspend() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed != nil {
		return false
	}
	p.resumed = make(chan struct{})
	if !p.accepting {
		return true
	}
	d, ok := p.ln.(deadliner)
	if !ok || d.SetDeadline(time.Now()) != nil {
		return true // nothing cuts it short: what it returns is held
	}
	p.cut = true
	if p.left.L == nil {
		p.left.L = &p.mu
	}
	for n := p.accepts; p.accepting && p.accepts == n; {
		p.left.Wait()
	}
	return true
}

func (p *suspension) resume() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed == nil {
		return false
	}
	if d, ok := p.ln.(deadliner); ok {
		// An error leaves the deadline set; the acceptor's next Accept
		// then fails at once and is counted as a temporary error, which
		// a closed socket's stop makes moot.
		_ = d.SetDeadline(time.Time{})
	}
	close(p.resumed)
	p.resumed = nil
	return true
}

func (p *suspension) suspended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resumed != nil
}

// serving records ln as the socket Suspend cuts short, or forgets it
// (nil) when the acceptor stops serving it.
func (p *suspension) serving(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
}

// wait returns at once while accepting, waits while suspended, and
// reports false when ctx ended first.
func (p *suspension) wait(ctx context.Context) bool {
	for {
		p.mu.Lock()
		resumed := p.resumed
		p.mu.Unlock()
		if resumed == nil {
			return ctx.Err() == nil
		}
		select {
		case <-resumed:
		case <-ctx.Done():
			return false
		}
	}
}

// enter marks the acceptor in Accept, or reports false when a Suspend
// came since its wait: it must not call Accept then.
func (p *suspension) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed != nil {
		return false
	}
	p.accepting, p.cut = true, false
	p.accepts++
	return true
}

// leave marks the Accept ended, with err its error, and reports whether
// err is only a Suspend's deadline: not a fault, nor a temporary error
// to back off from, but the signal to wait. A deadline no Suspend set
// is left to the usual handling.
func (p *suspension) leave(err error) (cutShort bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accepting = false
	if p.cut {
		p.left.Broadcast()
	}
	return p.cut && errors.Is(err, os.ErrDeadlineExceeded)
}
