//go:build unix && !linux

package listener

import "syscall"

// peek asks, without waiting, whether the socket fd holds a byte (or its
// end), and takes nothing.
func peek(fd uintptr) syscall.Errno {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if errno, ok := err.(syscall.Errno); ok {
		return errno
	}
	return 0
}
