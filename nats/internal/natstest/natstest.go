// Package natstest runs a real nats-server for the tests of this module,
// on a port the kernel chose, and stops and starts it again on the same
// port, as an operator's restart does.
package natstest

import (
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// Server is a nats-server run by a test.
type Server struct {
	// URL is the server's client URL; it stays the same across Start and
	// Stop.
	URL string

	t    *testing.T
	bin  string
	addr string
	cmd  *exec.Cmd
}

// Start runs a nats-server on a free loopback port and waits until it
// accepts clients. The test is skipped when the binary is missing. The
// server is stopped when the test ends.
func Start(t *testing.T) *Server {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server not found in PATH (Debian package nats-server): skipping tests against a real NATS")
	}
	addr := seamtest.FreeAddr(t)
	s := &Server{URL: "nats://" + addr, t: t, bin: bin, addr: addr}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server again after Stop, on the same port.
func (s *Server) Start() {
	s.t.Helper()
	host, port, _ := net.SplitHostPort(s.addr)
	s.cmd = exec.Command(s.bin, "-a", host, "-p", port)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start nats-server: %v", err)
	}
	seamtest.Eventually(s.t, "nats-server to accept clients", func() bool {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// Stop kills the server and waits for it to exit. It does nothing when
// the server is not running.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}
