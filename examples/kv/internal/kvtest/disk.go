package kvtest

import (
	"errors"
	"os"
	"sync"
)

// ErrNoSpace is what the files of a failing [Disk] return.
var ErrNoSpace = errors.New("no space left on device (injected)")

// Disk is a fault switch shared by the files opened through it, so that a
// test can fail the disk under a running append-only file and mend it
// again. It counts the syncs asked of its files.
type Disk struct {
	// Torn makes a failing write write half of what it was given before
	// it fails, as a disk that fills up in the middle of a write does;
	// otherwise a failing write writes nothing.
	Torn bool

	mu      sync.Mutex
	failing bool
	syncs   int
}

// Fail turns the fault on (writes and syncs fail with [ErrNoSpace]) or
// off.
func (d *Disk) Fail(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failing = on
}

// Syncs returns how many syncs the disk's files were asked for, failed
// ones included.
func (d *Disk) Syncs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.syncs
}

// Wrap returns f writing through the disk: it fails while the disk does.
// Closing the returned File closes f.
func (d *Disk) Wrap(f *os.File) *File { return &File{d: d, f: f} }

// File is a file on a [Disk]; it has the methods of the append-only
// file's aof.File.
type File struct {
	d *Disk
	f *os.File
}

// Write writes p, or half of it (with Torn) or none of it while the disk
// fails.
func (f *File) Write(p []byte) (int, error) {
	f.d.mu.Lock()
	failing, torn := f.d.failing, f.d.Torn
	f.d.mu.Unlock()
	if !failing {
		return f.f.Write(p)
	}
	if !torn {
		return 0, ErrNoSpace
	}
	n, _ := f.f.Write(p[:len(p)/2])
	return n, ErrNoSpace
}

// Sync syncs the file, unless the disk fails.
func (f *File) Sync() error {
	f.d.mu.Lock()
	f.d.syncs++
	failing := f.d.failing
	f.d.mu.Unlock()
	if failing {
		return ErrNoSpace
	}
	return f.f.Sync()
}

// Close closes the file, whether the disk fails or not.
func (f *File) Close() error { return f.f.Close() }
