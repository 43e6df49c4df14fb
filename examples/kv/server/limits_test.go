package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/listener/seamtest"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// exchange sends in on a new connection to network/addr and returns all
// that comes back until the server closes the connection. A reset (the
// server closed with our data unread) ends the reply like a close.
func exchange(t *testing.T, network, addr string, in []byte) string {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = c.Write(in) }() // the server may close before it has read all
	out, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("no close after %q...: got %q", in[:min(len(in), 40)], out)
	}
	return string(out)
}

// A flood of protocol errors costs one log line per second, with the count
// of the errors not logged; the listener logs none of them as a handler
// error either.
func TestProtocolErrorFloodLogs(t *testing.T) {
	logs := &seamtest.Logs{}
	clock := &fakeClock{now: time.Unix(1000, 0)}
	ts := startServer(t, serverOpts{log: zerolog.New(logs).Level(zerolog.DebugLevel), now: clock.Now})
	bad := []byte("*1\r\n$x\r\n")
	for range 200 {
		if have := exchange(t, "tcp", ts.addr, bad); have != "-ERR Protocol error: invalid bulk length\r\n" {
			t.Fatalf("reply %q", have)
		}
	}
	clock.add(badClientLogEvery)
	exchange(t, "tcp", ts.addr, bad)
	ts.stop()
	out := logs.String()
	if n := strings.Count(out, "closing a client that broke the protocol"); n != 2 {
		t.Fatalf("%d lines about 201 protocol errors in two seconds, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, `"not_logged":199`) {
		t.Fatalf("the second line does not count the 199 errors held back:\n%s", out)
	}
	if strings.Contains(out, "handler returned an error") {
		t.Fatalf("a protocol error was logged as a handler error:\n%s", out)
	}
}

// A client that resets the connection while its replies are being written
// is a normal end, not an error worth a line.
func TestPeerResetNotLogged(t *testing.T) {
	logs := &seamtest.Logs{}
	ts := startServer(t, serverOpts{log: zerolog.New(logs).Level(zerolog.DebugLevel)})
	c := ts.dial(t)
	do(t, c, "SET", "k", strings.Repeat("v", 64<<10))
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	var pipeline []byte
	for range 2000 { // 128 MB of replies: more than any socket buffer holds
		pipeline = append(pipeline, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"...)
	}
	if _, err := nc.Write(pipeline); err != nil {
		t.Fatal(err)
	}
	// Wait until replies flow, then reset.
	if _, err := io.ReadFull(nc, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	_ = nc.(*net.TCPConn).SetLinger(0)
	nc.Close()
	seamtest.Eventually(t, "the connection to end", func() bool { return ts.handler.active.Load() == 1 })
	ts.stop()
	if out := logs.String(); strings.Contains(out, "handler returned an error") {
		t.Fatalf("a peer's reset was logged as an error:\n%s", out)
	}
}

// proto-max-bulk-len and client-query-buffer-limit give Redis's answers:
// an error reply for a bulk string too long, and a close without a reply
// for a command past the query buffer limit. Compared with redis-server 7
// side by side when it is installed.
func TestLimitsAsRedis(t *testing.T) {
	const mb = 1 << 20
	ts := startServer(t, serverOpts{maxBulkLen: mb, maxQueryBuffer: mb})
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"bulk longer than proto-max-bulk-len", []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"),
			"-ERR Protocol error: invalid bulk length\r\n"},
		{"command past client-query-buffer-limit", append([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n"), bytes.Repeat([]byte("x"), mb+2)...),
			""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if have := exchange(t, "tcp", ts.addr, tc.in); have != tc.want {
				t.Fatalf("kv answered %q, want %q", have, tc.want)
			}
		})
	}
	// A value within both limits is stored.
	c := ts.dial(t)
	if have := do(t, c, "SET", "k", strings.Repeat("x", mb/2)); have != `"OK"` {
		t.Fatalf("SET within the limits: %s", have)
	}
	if have := do(t, c, "CONFIG", "GET", "proto-max-bulk-len"); have != `["proto-max-bulk-len", "1048576"]` {
		t.Fatalf("CONFIG GET: %s", have)
	}

	sock := startRedis(t, "--proto-max-bulk-len", "1mb", "--client-query-buffer-limit", "1mb")
	for _, tc := range cases {
		if have := exchange(t, "unix", sock, tc.in); have != tc.want {
			t.Errorf("%s: redis-server answered %q, kv %q", tc.name, have, tc.want)
		}
	}
}
