// Package kvtest holds what the tests of kv's packages share: small
// helpers for files and ports that several packages' tests need, so that
// each test reads as what it checks.
package kvtest

import (
	"net"
	"os"
	"testing"
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}
