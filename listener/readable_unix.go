//go:build unix

package listener

import (
	"net"
	"sync"
	"syscall"
)

// waitSocket is how WaitReadable waits on a socket here: with a peek;
// waitSocketExact is how a wait that may hibernate does.
var waitSocket, waitSocketExact = peekWait, exactWait

// peekWait parks on the runtime's poller until the socket is readable.
// The poller forgets a readiness it reported before the wait began, so the
// socket is asked first, with a one-byte peek that takes nothing from it;
// once the poller has woken the wait, bytes (or the end of the stream)
// are there, and the wait ends without asking again. A wait costs one
// system call more than a Read that blocks, not two.
func peekWait(c syscall.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	w := getWaiter()
	err = rc.Read(w.readable)
	putWaiter(w)
	return err
}

// exactWait is peekWait that asks the socket again after every wakeup
// rather than trusting it: the runtime's poller may hand a wait a
// readiness it saw for bytes that an earlier Read has taken since (its
// events come in late under load). peekWait's Read then blocks until
// more bytes come, which costs nothing but a goroutine's wait there; a
// wait that is to end in hibernation must not end so, or its connection
// never hibernates. It costs one peek more per wait that parks.
func exactWait(c syscall.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(readableNow)
}

// readableNow is exactWait's callback: true ends the wait.
func readableNow(fd uintptr) bool {
	_, errno := peek(fd)
	return errno != syscall.EAGAIN
}

// getWaiter is kept out of line so that the pool's temporaries do not
// widen peekWait's frame, which stays on the stack of every idle
// connection: the runtime starts new goroutines with the average stack in
// use at the last collection, so a few bytes here decide between 2 KiB
// and 4 KiB stacks for every connection (see Waiter).
//
//go:noinline
func getWaiter() *waiter {
	w := waiters.Get().(*waiter)
	w.asked = false
	return w
}

//go:noinline
func putWaiter(w *waiter) { waiters.Put(w) }

var waiters = sync.Pool{New: func() any {
	w := new(waiter)
	w.init()
	return w
}}

// init makes w's callback for RawConn.Read: true ends the wait. The first
// call peeks; a later one follows a wakeup by the poller, which reports
// the socket readable. Any answer to the peek but "would block" ends the
// wait, an error too: the Read that follows returns it in the net
// package's own terms.
//
// The callback is a closure over w rather than the method value of a
// method (which would add a frame), and the peek goes through peek (a
// system call with no socket address on the stack): the callback runs at
// the deepest point of an idle connection's stack, where a goroutine that
// went past its 2 KiB starting stack would keep 4 KiB for life.
func (w *waiter) init() {
	w.readable = func(fd uintptr) bool {
		if w.asked {
			return true
		}
		w.asked = true
		_, errno := peek(fd)
		return errno != syscall.EAGAIN
	}
}

// maxDiscard bounds what discardUnread reads: a client that keeps sending
// is not read for ever, and what it sends later costs it a reset.
const maxDiscard = 64 << 10

// discardUnread reads and drops what nc's peer has sent so far, without
// waiting for more, so that closing nc sends FIN rather than the RST that
// unread input provokes, which could discard the reply already written
// before the peer reads it. It reports whether it could look: false for a
// connection that is not a socket or whose deadline has passed.
func discardUnread(nc net.Conn) bool {
	rc := socketOf(nc)
	if rc == nil {
		return false
	}
	err := rc.Read(func(fd uintptr) bool {
		var buf [512]byte
		for read := 0; read < maxDiscard; {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_DONTWAIT)
			if n <= 0 || err != nil {
				break
			}
			read += n
		}
		return true // never wait
	})
	return err == nil
}

// rawSocket returns c's raw connection, on which a Waiter peeks, or nil.
func rawSocket(c syscall.Conn) syscall.RawConn { return socketOf(c) }

// socketOf returns the raw connection of v's socket, or nil when v is not
// one of the kernel's sockets (a wrapper without SyscallConn) or is
// closed: what the callers would do on it (peek, drain, park, take its
// queue, resize its backlog) is then left undone.
func socketOf(v any) syscall.RawConn {
	sc, ok := v.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
