//go:build unix && !linux

package listener

import "syscall"

// peek asks, without waiting, whether the socket fd holds a byte (n is 1)
// or its end (n is 0, errno 0), and takes nothing.
func peek(fd uintptr) (n int, errno syscall.Errno) {
	var b [1]byte
	n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if e, ok := err.(syscall.Errno); ok {
		return 0, e
	}
	return n, 0
}
