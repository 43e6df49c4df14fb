package aof

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecondWriterRefused: while one Writer has the file, a second one's
// load fails with ErrLocked naming the file; once the first stops, the
// file is free again.
func TestSecondWriterRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "owned.aof")
	first, _ := newLoadedWriter(t, Config{Path: path})
	second, _ := newWriter(t, Config{Path: path})
	_, err := second.Load(func([][]byte) error { return nil })
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Load = %v, want ErrLocked naming %s", err, path)
	}
	stopWriter(t, first)
	third, _ := newWriter(t, Config{Path: path})
	if _, err := third.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatalf("Load after the first writer stopped: %v", err)
	}
	stopWriter(t, third)
}

// Where there is no flock (Windows), a Writer runs without a lock: a
// second Writer on the same file is not refused, and a load, a rewrite
// and a stop work with no lock to take, move or release.
func TestWithoutFlock(t *testing.T) {
	was := lockPath
	lockPath = noLock
	t.Cleanup(func() { lockPath = was })
	path := filepath.Join(t.TempDir(), "unlocked.aof")
	first, _ := loadedWriter(t, Config{Path: path})
	second, _ := newWriter(t, Config{Path: path})
	if _, err := second.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatalf("second Load without flock: %v", err)
	}
	stopWriter(t, second)
	appendCommit(t, first, "SET a 1", "SET a 2")
	if err := first.Rewrite(context.Background(), fakeDump([]string{"SET a 2"}, nil)); err != nil {
		t.Fatalf("Rewrite without flock: %v", err)
	}
	stopWriter(t, first)
	wantRecords(t, path, "SET a 2")
}
