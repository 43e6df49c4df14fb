//go:build unix

package listener

import (
	"net"
	"os"
	"syscall"
)

// takeQueued accepts, without waiting, the connections that the kernel has
// completed and queued on ln, at most max of them. Closing a listening
// socket resets every connection still in its accept queue: clients the
// kernel accepted (a balancer that dispatched a request just before it
// marked this instance down) would see a reset instead of a reply. Taken
// here, they are served within the drain instead. Sockets that are not
// the kernel's own (a wrapper without SyscallConn) give nothing.
func takeQueued(ln net.Listener, max int) []net.Conn {
	raw := socketOf(ln)
	if raw == nil {
		return nil
	}
	var conns []net.Conn
	_ = raw.Control(func(fd uintptr) {
		for len(conns) < max {
			// The listening socket is non-blocking: an empty queue is
			// EAGAIN. ForkLock keeps the descriptor from leaking into a
			// child until it is close-on-exec.
			syscall.ForkLock.RLock()
			nfd, _, err := syscall.Accept(int(fd))
			if err == nil {
				syscall.CloseOnExec(nfd)
			}
			syscall.ForkLock.RUnlock()
			if err == syscall.EINTR || err == syscall.ECONNABORTED {
				continue
			}
			if err != nil {
				return
			}
			f := os.NewFile(uintptr(nfd), "queued")
			c, err := net.FileConn(f) // a duplicate, non-blocking, in the runtime's poller
			f.Close()
			if err == nil {
				conns = append(conns, c)
			}
		}
	})
	return conns
}
