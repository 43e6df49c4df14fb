//go:build !linux

package main

import (
	"errors"
	"fmt"
	"os/exec"
)

// dieWithParent is Linux-only; elsewhere a harness that dies may leave a
// server running.
func dieWithParent(*exec.Cmd) {}

// killGroup does nothing where the server has no group of its own: kill
// stops the server itself.
func killGroup(int) {}

// freeBytes is only implemented on Linux, where the full-disk case mounts
// its tmpfs; here it returns an error wrapping errors.ErrUnsupported.
func freeBytes(string) (int64, error) {
	return 0, fmt.Errorf("chaos: free space is only read on Linux: %w", errors.ErrUnsupported)
}

// listenOverflows is only read on Linux: elsewhere it reports false.
func listenOverflows() (int64, bool) { return 0, false }
