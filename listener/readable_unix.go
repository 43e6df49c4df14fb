//go:build unix

package listener

import (
	"syscall"
)

// waitSocket parks on the runtime's poller until the socket is readable.
// The poller forgets a readiness it reported before the wait began, so the
// socket is asked first (and again after each wakeup) with a one-byte
// peek that takes nothing from it.
func waitSocket(c syscall.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(readable)
}

// readable reports whether a read on fd would not block. Any answer but
// "would block" ends the wait, an error too: the Read that follows
// returns it in the net package's own terms.
func readable(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err != syscall.EAGAIN
}
