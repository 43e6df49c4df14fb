package listener

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// echo is the handler most tests serve: seamtest.Echo, which watches its
// ctx as a handler should.
var echo = seamtest.Echo

// A transport is one of the ways a listener serves: the tests of the core
// behaviours run over each.
type transport struct {
	name  string
	setup func(t *testing.T, s *Server)
	dial  func(t testing.TB, addr net.Addr) net.Conn
}

func transports() []transport {
	var client *tls.Config // the tls transport's, made by its setup
	return []transport{
		{
			name:  "tcp",
			setup: func(t *testing.T, s *Server) { s.Addr = "127.0.0.1:0" },
			dial:  seamtest.Dial,
		},
		{
			name: "unix",
			setup: func(t *testing.T, s *Server) {
				s.Network = "unix"
				s.Addr = socketPath(t)
			},
			dial: seamtest.Dial,
		},
		{
			name: "tls",
			setup: func(t *testing.T, s *Server) {
				s.Addr = "127.0.0.1:0"
				s.TLSConfig, client = seamtest.TLS(t)
			},
			dial: func(t testing.TB, addr net.Addr) net.Conn {
				t.Helper()
				c := tls.Client(seamtest.Dial(t, addr), client)
				// Handshake as tls.Dial does, so that the server has the
				// connection once dial returns.
				if err := c.Handshake(); err != nil {
					t.Fatalf("dial tls %v: %v", addr, err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
		},
	}
}

// socketPath returns a short path for a unix socket: sun_path holds about
// 100 bytes, which a test's TempDir can exceed.
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "seam")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// expectClosed checks that the server closed c: a read returns EOF or a
// reset rather than timing out.
// expectServedOrClosed reads from a connection that the stop took from the
// accept queue: its handler may answer it (want) before it sees the stop,
// or close it without reading (then the client may read a reset, as for
// any connection closed with bytes unread). It fails on any other data,
// and on a connection still open.
func expectServedOrClosed(t *testing.T, c net.Conn, want string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open: read timed out")
	}
	if len(b) > 0 && string(b) != want {
		t.Fatalf("read %q; want %q or nothing", b, want)
	}
}

func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	_, err := c.Read(make([]byte, 1))
	if err == nil {
		t.Fatal("read on a connection the server should have closed returned data")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open: read timed out")
	}
}
