package listener

import (
	"syscall"
	"unsafe"
)

// peek asks, without waiting, whether the socket fd holds a byte (n is 1)
// or its end (n is 0, errno 0), and takes nothing. It calls recvfrom directly: syscall.Recvfrom
// would put a 112-byte socket address on the stack of the idle
// connection's goroutine, at its deepest point. The call never blocks
// (MSG_DONTWAIT), so it need not tell the scheduler.
func peek(fd uintptr) (n int, errno syscall.Errno) {
	var b [1]byte
	r, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), 0
}
