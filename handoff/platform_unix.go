//go:build unix

package handoff

import "syscall"

// supported says whether this platform passes sockets to a new process as
// inherited descriptors: every Unix does. It is a variable so that a test
// on Linux can run the path of the platforms that do not.
var supported = true

// closeOnExec keeps an inherited socket from the programs this process
// starts: they are given the ones they need on purpose.
func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
