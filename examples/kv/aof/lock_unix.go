//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package aof

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockPath locks the file at path for one Writer: with flock here.
var lockPath = flockPath

// flockPath takes an exclusive flock on the file at path, creating it if
// missing, without waiting: a file already locked is ErrLocked. The lock
// lives as long as the returned descriptor is open.
//
// A rewrite renames a new file over path; a lock taken on the old file
// just before would guard nothing, so flockPath checks that path still
// names the file it locked, and tries again if not.
func flockPath(path string) (*os.File, error) {
	for range 5 {
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("aof: opening %s to lock it: %w", path, err)
		}
		if err := flock(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %s is locked by another process (another kv on the same -aof file?): %w", ErrLocked, path, err)
		}
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(fi, pi) {
			return f, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("%w: %s keeps being replaced while it is locked", ErrLocked, path)
}

// flock locks f exclusively without waiting.
func flock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	for errors.Is(err, syscall.EINTR) {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	return err
}
