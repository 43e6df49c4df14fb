package services

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// hijackPoll bounds the wait between two looks at the hijacked
// connections during a drain; the first look comes after 1 ms and the
// wait doubles up to it, as http.Server.Shutdown polls its idle ones.
const hijackPoll = 500 * time.Millisecond

// hijackSet holds the connections that an [HTTP]'s handlers took over
// from net/http (Hijacker, http.ResponseController's Hijack, a WebSocket
// upgrade): http.Server forgets a connection once it is hijacked, so its
// Shutdown neither waits for nor closes it, and its Close leaves it open.
//
// A hijacked connection is learnt from ConnState's StateHijacked, which
// net/http reports before Hijack returns, so none escapes. Its end is not
// reported by anyone: the set drops a connection once a look at its
// socket finds it closed (see connClosed), when it grows and when it is
// read. The connections are not wrapped, so a handler still gets the
// *net.TCPConn or *tls.Conn net/http accepted.
type hijackSet struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	pruneAt int // len(conns) at which add looks for closed ones
}

// track returns a ConnState hook that records hijacked connections, then
// calls next, the template's hook, if any.
func (s *hijackSet) track(next func(net.Conn, http.ConnState)) func(net.Conn, http.ConnState) {
	return func(c net.Conn, state http.ConnState) {
		if state == http.StateHijacked {
			s.add(c)
		}
		if next != nil {
			next(c, state)
		}
	}
}

func (s *hijackSet) add(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	if len(s.conns) >= s.pruneAt {
		// Doubling the mark keeps the looks at closed sockets amortised
		// to a few per hijack, however many stay open.
		s.pruneLocked()
		s.pruneAt = 2*len(s.conns) + 16
	}
	s.conns[c] = struct{}{}
}

func (s *hijackSet) pruneLocked() {
	for c := range s.conns {
		if connClosed(c) {
			delete(s.conns, c)
		}
	}
}

// open returns the hijacked connections still open.
func (s *hijackSet) open() []net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked()
	out := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// wait returns nil once every hijacked connection is closed, or ctx's
// error when it ends first. Nothing signals a hijacked connection's end,
// so wait looks again after 1 ms, then after twice as long each time, up
// to hijackPoll.
func (s *hijackSet) wait(ctx context.Context) error {
	interval := time.Millisecond
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for len(s.open()) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		interval = min(2*interval, hijackPoll)
		timer.Reset(interval)
	}
	return nil
}

// closeAll closes by force every hijacked connection still open and
// returns how many it closed; the set is empty afterwards. Like
// listener.Server's force close, it closes the socket under a TLS
// connection rather than the TLS layer, whose close would first try to
// send an alert to a peer that may not be reading.
func (s *hijackSet) closeAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if !connClosed(c) {
			n++
			_ = rawConn(c).Close()
		}
		delete(s.conns, c)
	}
	return n
}

// rawConn is the socket under a TLS connection, or c itself.
func rawConn(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}

// connClosed reports whether c's socket has been closed, without reading
// or writing: the runtime refuses to hand out the descriptor of a closed
// socket. A conn that is not a socket (a listener of the user's own over
// pipes) cannot be looked at and counts as open until it is closed by
// force at the drain deadline.
func connClosed(c net.Conn) bool {
	sc, ok := rawConn(c).(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	return rc.Control(func(uintptr) {}) != nil
}

// describe names each open hijacked connection by its client's address,
// for a stop report.
func (s *hijackSet) describe() []string {
	conns := s.open()
	out := make([]string, 0, len(conns))
	for _, c := range conns {
		out = append(out, "hijacked conn "+c.RemoteAddr().String())
	}
	slices.Sort(out)
	return out
}
