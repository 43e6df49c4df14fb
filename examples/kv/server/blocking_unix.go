//go:build unix

package server

import (
	"errors"
	"net"
	"syscall"
)

// peekable returns the socket under nc that a blocked wait watches, and
// whether there is one that can be asked, without reading, whether its
// peer has hung up (peerClosed). Under the listener's idle and
// hibernation layer (which hands it out as NetConn) that is the socket
// itself: the layer's deadlines are for idleness, and a blocked client
// is waiting, not idle, so it neither times out nor hibernates, as in
// Redis. waitBlocked never asks it of a TLS connection (runsInline).
func peekable(nc net.Conn) (net.Conn, bool) {
	if _, ok := nc.(syscall.Conn); ok {
		return nc, true
	}
	if u, ok := nc.(interface{ NetConn() net.Conn }); ok {
		if raw, ok := u.NetConn().(syscall.Conn); ok {
			return raw.(net.Conn), true
		}
	}
	return nil, false
}

// peerClosed reports whether the peer of nc, a readable socket, has hung
// up: a peek finds the end of the stream rather than a byte. It takes
// nothing from the socket, and does not wait.
func peerClosed(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	err = rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n == 0 && err == nil || err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR)
	})
	return closed || err != nil
}
