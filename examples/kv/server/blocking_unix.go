//go:build unix

package server

import (
	"errors"
	"net"
	"syscall"
)

// canPeek reports whether nc's socket can be asked, without reading,
// whether its peer has hung up (peerClosed).
func canPeek(nc net.Conn) bool {
	_, ok := nc.(syscall.Conn)
	return ok
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
