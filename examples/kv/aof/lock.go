package aof

import (
	"errors"
	"os"
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
		_ = w.lock.Close() // closing the descriptor releases its flock
		w.lock = nil
	}
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
