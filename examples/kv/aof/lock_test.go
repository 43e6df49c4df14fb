package aof

import (
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
	first, _ := newWriter(t, Config{Path: path})
	if _, err := first.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
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
