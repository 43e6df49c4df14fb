//go:build unix

package listener

import "syscall"

// openFileLimit returns the process's limit on open files (RLIMIT_NOFILE),
// after raising the soft limit to the hard one where that is allowed. Go
// 1.19 and later raise it at start on Linux; elsewhere, or when the
// program lowered it, this is where it is raised. 0 means no limit.
func openFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		// It can fail (macOS refuses more than kern.maxfilesperproc):
		// the soft limit is then the one in force.
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	cur := uint64(lim.Cur)
	if cur >= 1<<62 { // RLIM_INFINITY, whatever its type here
		return 0, nil
	}
	return cur, nil
}
