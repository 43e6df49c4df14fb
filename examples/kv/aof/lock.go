package aof

import (
	"errors"
	"os"
	"syscall"
)

// ErrLocked is returned (wrapped, naming the file) by the first start of a
// Writer whose file another Writer, in this process or another, holds: two
// writers appending to one file would interleave their records. The lock
// is an flock, taken on Linux, macOS and the BSDs; elsewhere (Windows) a
// Writer takes none and never returns ErrLocked, and keeping one writer
// per file is the operator's part.
var ErrLocked = errors.New("aof: the append-only file is in use")

// unlockLocked releases the file's lock, if held; flushMu is held. The
// Writer holds the lock from the start of its load to its stop.
func (w *Writer) unlockLocked() {
	if w.lock != nil {
		closeLock(w.lock)
		w.lock = nil
	}
}

// closeLock closes the descriptor that holds a lock, which releases it,
// with no process half-started by os/exec holding a copy. A child forked
// while the descriptor is open shares its lock until it execs, and the
// descriptor, close-on-exec, closes; a Writer started again at once (an
// upgrade that failed, a restart in the same process) would find the
// file still locked meanwhile. Go forks holding syscall.ForkLock and, on
// Linux, keeps it until the child has exec'd, so holding it to read here
// waits out such a child; a fork after the close copies nothing.
func closeLock(f *os.File) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	_ = f.Close()
}

// setLock replaces the held lock with f: after a rewrite renames a new
// file into place, the lock must be on the file the path names.
func (w *Writer) setLock(f *os.File) {
	w.unlockLocked()
	w.lock = f
}

// noLock is lockPath where flock is not available: the Writer runs
// without a lock, holding a nil file that its unlock skips.
func noLock(string) (*os.File, error) { return nil, nil }
