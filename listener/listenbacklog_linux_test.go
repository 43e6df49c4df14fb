package listener

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/seamgo/seam/listener/seamtest"
)

// acceptQueueLen returns the length that the accept queue of a listening
// TCP socket may reach: for a listening socket, TCP_INFO's sacked field
// holds it (ss shows it as Send-Q).
func acceptQueueLen(t *testing.T, ln net.Listener) uint32 {
	t.Helper()
	raw, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info syscall.TCPInfo
	var errno syscall.Errno
	raw.Control(func(fd uintptr) {
		size := uint32(unsafe.Sizeof(info))
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	})
	if errno != 0 {
		t.Fatalf("TCP_INFO: %v", errno)
	}
	return info.Sacked
}

// somaxconn is the system's maximum length of an accept queue, what
// net.Listen asks for.
func somaxconn(t *testing.T) uint32 {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		t.Skipf("the system's maximum accept queue is unknown: %v", err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(n)
}

// bindInto is a Bind that hands each socket it binds to the test.
func bindInto(bound chan<- net.Listener) func(network, address string) (net.Listener, error) {
	return func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		if err == nil {
			bound <- ln
		}
		return ln, err
	}
}

// Backlog sets the length of the accept queue of the socket the Server
// binds before it is Ready: 511 by default, the system's maximum when
// negative.
func TestBacklog(t *testing.T) {
	system := somaxconn(t)
	for _, tc := range []struct {
		name    string
		backlog int
		want    uint32
	}{
		{"default", 0, min(511, system)},
		{"set", 7, 7},
		{"system maximum", -1, system},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bound := make(chan net.Listener, 1)
			s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Backlog: tc.backlog, Bind: bindInto(bound)}
			seamtest.Start(t, s)
			if have := acceptQueueLen(t, <-bound); have != tc.want {
				t.Fatalf("accept queue length %d; want %d", have, tc.want)
			}
		})
	}
}

// An acceptor restarted after its socket broke sets the length on the
// socket it binds again.
func TestBacklogAfterRebind(t *testing.T) {
	bound := make(chan net.Listener, 2)
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Backlog: 7, Bind: bindInto(bound), Logger: logs.Logger()}
	seamtest.Start(t, s)
	(<-bound).Close() // Accept fails for good: the acceptor is restarted
	again := <-bound
	seamtest.Eventually(t, "the rebound socket's queue to be 7 long", func() bool { return acceptQueueLen(t, again) == 7 })
}

// A given Listener keeps the length its creator gave it.
func TestBacklogLeavesAGivenListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Listener: ln, Handler: HandlerFunc(echo), Backlog: 7}
	srv := seamtest.Start(t, s)
	seamtest.WantEcho(t, seamtest.Dial(t, srv.Addr), "served") // the acceptor is past the point where it sets a length
	if have, want := acceptQueueLen(t, ln), somaxconn(t); have != want {
		t.Fatalf("accept queue length %d; want the system's %d", have, want)
	}
}

// The queue's length is what the kernel holds for a Server that is not
// accepting: on a unix socket Linux queues one connection more than the
// length and refuses the next at once. Each queued client is served once
// the Server accepts again.
func TestBacklogBoundsTheQueue(t *testing.T) {
	s := &Server{Network: "unix", Addr: socketPath(t), Handler: HandlerFunc(echo), Backlog: 1}
	s.Suspend()
	srv := seamtest.Start(t, s)
	var queued []net.Conn
	for i := range 2 {
		c, err := net.Dial("unix", srv.Addr.String())
		if err != nil {
			t.Fatalf("connection %d, within the queue: %v", i+1, err)
		}
		t.Cleanup(func() { c.Close() })
		queued = append(queued, c)
	}
	if c, err := net.Dial("unix", srv.Addr.String()); !errors.Is(err, syscall.EAGAIN) {
		if err == nil {
			c.Close()
		}
		t.Fatalf("connection past the queue: %v; want EAGAIN", err)
	}
	s.Resume()
	for i, c := range queued {
		seamtest.WantEcho(t, c, "queued "+strconv.Itoa(i+1))
	}
}
