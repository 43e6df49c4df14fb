//go:build unix

package listener

import (
	"errors"
	"slices"
	"syscall"
)

// temporaryErrnos are the accept errors that say "try again later": the
// process or system is out of descriptors or buffers, or a peer gave up
// before the kernel handed its connection over. The listener itself is fine.
var temporaryErrnos = []syscall.Errno{
	syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
	syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EAGAIN, syscall.EINTR,
	syscall.EPROTO, syscall.EPERM,
}

func isTemporaryErrno(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && slices.Contains(temporaryErrnos, errno)
}
