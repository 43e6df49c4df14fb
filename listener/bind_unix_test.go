//go:build unix

package listener

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// A socket file left by a process that died without closing its listener
// is removed, and the listener binds.
func TestStaleUnixSocketIsRemoved(t *testing.T) {
	path := socketPath(t)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // the file stays, as after a crash
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	s := &Server{Network: "unix", Addr: path, Handler: HandlerFunc(echo)}
	srv := seamtest.Start(t, s)
	c, err := net.Dial("unix", srv.Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seamtest.WantEcho(t, c, "fresh")
	c.Close()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket file outlived the listener: %v", err)
	}
}

// A socket that still answers belongs to a live server: binding over it
// would steal its address, so it is an error.
func TestLiveUnixSocketIsAnError(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{Network: "unix", Addr: path, Handler: HandlerFunc(echo)}
	if err := s.Serve(context.Background()); !errors.Is(err, ErrSocketInUse) {
		t.Fatalf("Serve = %v; want ErrSocketInUse", err)
	}
}

func TestNonSocketFileIsNotRemoved(t *testing.T) {
	path := socketPath(t)
	if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Network: "unix", Addr: path, Handler: HandlerFunc(echo)}
	if err := s.Serve(context.Background()); !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("Serve = %v; want supervisor.ErrBadConfig", err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "data" {
		t.Fatalf("the file was touched: %q, %v", data, err)
	}
}
