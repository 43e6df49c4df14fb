// Package kvtest holds what the tests of kv's packages share: small
// helpers for files and ports that several packages' tests need, so that
// each test reads as what it checks.
package kvtest

import (
	"net"
	"os"
	"testing"

	"github.com/seamgo/seam/internal/loopback"
)

// FileSize returns the size of the file at path, failing t if it cannot
// be read: tests compare sizes to tell that a file grew, shrank or was
// left alone.
func FileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// FreePort returns a loopback TCP port that was free a moment ago, for a
// program that takes a port number rather than a listening socket
// (redis-server --port). Another process may take it meanwhile: that is
// the price of a program that binds for itself.
func FreePort(t testing.TB) string {
	t.Helper()
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
