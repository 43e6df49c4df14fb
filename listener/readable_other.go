//go:build !unix

package listener

import (
	"net"
	"syscall"
)

// waitSocket is how WaitReadable waits on a socket here: it cannot peek
// without reading, so it does not wait.
var waitSocket, waitSocketExact = returnAtOnce, returnAtOnce

// discardUnread cannot read without waiting here: the rejection lingers
// until its client closes instead (rejecter.answer).
func discardUnread(net.Conn) bool { return false }

// rawSocket returns nil: a Waiter here waits as WaitReadable does.
func rawSocket(syscall.Conn) syscall.RawConn { return nil }

// init is never called here: rawSocket gives a Waiter nothing to peek on.
func (w *waiter) init() { w.readable = func(uintptr) bool { return true } }

// readableNow is never called here: rawSocket gives a Waiter nothing to
// wait on.
func readableNow(uintptr) bool { return true }
