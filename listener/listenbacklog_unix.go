//go:build unix

package listener

import (
	"net"
	"syscall"
)

// setBacklog sets the length of ln's accept queue. listen(2) on a socket
// that listens already changes only that length, on Linux, the BSDs and
// macOS alike; connections in the queue stay there. A socket that is not
// the kernel's own (a wrapper without SyscallConn) keeps its length.
func setBacklog(ln net.Listener, n int) error {
	raw := socketOf(ln)
	if raw == nil {
		return nil
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), n) }); err != nil {
		return err
	}
	return lerr
}
