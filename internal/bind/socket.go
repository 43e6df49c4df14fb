package bind

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/seamgo/seam/internal/latch"
)

// ListenFunc opens a listening socket, as net.ListenConfig.Listen does.
type ListenFunc func(ctx context.Context, network, address string) (net.Listener, error)

// Target is what one Serve binds: Listener when it is set, or else
// Address on Network through Listen (net.ListenConfig's when nil).
type Target struct {
	Network  string
	Address  string
	Listener net.Listener
	Listen   ListenFunc
}

// Socket is the socket of a service across all its Serves and restarts.
// It pins the port: once Address has been bound, every later bind of the
// same Address binds the address the kernel chose the first time, so a
// service restarted after a fault is found where it was even when it asked
// for port 0. It hands a given Listener out once, since a Listener closed
// by one Serve cannot be served by the next. It reports readiness and the
// bound address for the service's Ready and BoundAddr.
//
// The zero value is ready to use; its methods are safe for concurrent use.
type Socket struct {
	mu        sync.Mutex
	ready     latch.Latch // closed by the first Serving
	addr      net.Addr    // of the latest Serving
	asked     string      // the Address that pinned
	pinned    string      // what the kernel bound for asked
	givenUsed bool        // a given Listener has been handed out
}

// Bind returns the listener to serve: t.Listener the first time and an
// error wrapping [ErrListenerGone] after, or a fresh socket bound at the
// pinned address. Errors of t.Listen are returned as they are, for the
// caller to name itself in.
func (s *Socket) Bind(ctx context.Context, t Target) (net.Listener, error) {
	if t.Listener != nil {
		s.mu.Lock()
		used := s.givenUsed
		s.givenUsed = true
		s.mu.Unlock()
		if used {
			return nil, fmt.Errorf("%w: %s", ErrListenerGone, t.Listener.Addr())
		}
		return t.Listener, nil
	}
	listen := t.Listen
	if listen == nil {
		var lc net.ListenConfig
		listen = lc.Listen
	}
	addr := t.Address
	s.mu.Lock()
	if s.asked == t.Address && s.pinned != "" {
		addr = s.pinned
	}
	s.mu.Unlock()
	ln, err := listen(ctx, t.Network, addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.asked != t.Address || s.pinned == "" {
		s.asked, s.pinned = t.Address, ln.Addr().String()
	}
	s.mu.Unlock()
	return ln, nil
}

// Serving records that the service serves at addr and closes Ready's
// channel, if this is the first time.
func (s *Socket) Serving(addr net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr = addr
	s.ready.Close()
}

// Ready returns a channel closed at the first Serving and never reopened.
// Every call returns the same channel, before any Serve too.
func (s *Socket) Ready() <-chan struct{} {
	return s.ready.Done()
}

// Addr returns the address of the latest Serving, or nil before the first.
func (s *Socket) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}
