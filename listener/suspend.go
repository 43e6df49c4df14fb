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
// listening socket, so that nothing is accepted once it has returned.
// A socket without SetDeadline (a Bind or Listener that wraps the
// socket and hides it) cannot be cut short: its Accept in progress may
// still return one connection, which then waits, accepted but unserved,
// until Resume.
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

// suspension is a Server's suspended state and the socket an Accept in
// progress blocks on, so that Suspend can cut it short. One mutex keeps
// the state and the socket's deadline in step: a Resume cannot clear a
// deadline that a Suspend set after it.
type suspension struct {
	mu      sync.Mutex
	resumed chan struct{} // nil while accepting; closed by resume
	ln      net.Listener  // the acceptor's socket while it accepts
	cuts    uint64        // deadlines set on ln, for the acceptor to tell its own from others
}

// deadliner is a socket whose Accept a deadline cuts short:
// *net.TCPListener and *net.UnixListener.
type deadliner interface {
	SetDeadline(time.Time) error
}

func (p *suspension) suspend() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed != nil {
		return false
	}
	p.resumed = make(chan struct{})
	if d, ok := p.ln.(deadliner); ok && d.SetDeadline(time.Now()) == nil {
		p.cuts++
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
// (nil) when the acceptor stops accepting on it.
func (p *suspension) serving(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
}

// wait returns at once while accepting, waits while suspended, and
// reports false when ctx ended first. It also returns how many deadlines
// Suspend has set so far, for [suspension.cutShort].
func (p *suspension) wait(ctx context.Context) (cuts uint64, ok bool) {
	for {
		p.mu.Lock()
		resumed, cuts := p.resumed, p.cuts
		p.mu.Unlock()
		if resumed == nil {
			return cuts, ctx.Err() == nil
		}
		select {
		case <-resumed:
		case <-ctx.Done():
			return cuts, false
		}
	}
}

// cutShort reports whether err is the deadline of a Suspend that came
// after the acceptor's wait returned cuts: not a fault, and not a
// temporary error to back off from, but the signal to wait again. A
// deadline the acceptor did not expect is left to the usual handling.
func (p *suspension) cutShort(err error, cuts uint64) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts != cuts
}
