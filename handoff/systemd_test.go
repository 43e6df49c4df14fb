//go:build unix

package handoff_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/seamgo/seam/handoff"
	"github.com/seamgo/seam/listener/seamtest"
)

// A child started as systemd starts a socket-activated service (the socket
// as descriptor 3, LISTEN_PID set by the process itself before it execs
// the service) serves the socket named "web", and keeps serving it after
// its acceptor failed: the connection is answered by the restarted one.
func TestSystemdServesTheInheritedSocketAcrossAnAcceptorRestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	c := startChild(t, "systemd", []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=web"},
		[]*os.File{f}, `LISTEN_PID=$$ exec "$0" "$@"`)
	// From now on only the child holds the socket: were it closed there,
	// the dial below would be refused.
	f.Close()
	if line := seamtest.Recv(t, c.lines, "the child to be ready"); line != "ready" {
		t.Fatalf("child's first line: %q", line)
	}

	conn := seamtest.Dial(t, addr)
	fmt.Fprintln(conn, "hello")
	have, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	if want := fmt.Sprint(c.cmd.Process.Pid); strings.TrimSpace(have) != want {
		t.Fatalf("reply %q, want the child's PID %s", have, want)
	}

	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.wait(t); err != nil {
		t.Fatalf("child: %v", err)
	}
}

// A name systemd did not pass is an error wrapping ErrNoSocket; the test
// process was passed none.
func TestSystemdUnknownName(t *testing.T) {
	_, err := handoff.Systemd("nope")("tcp", "")
	if !errors.Is(err, handoff.ErrNoSocket) {
		t.Fatalf("err = %v, want ErrNoSocket", err)
	}
}
