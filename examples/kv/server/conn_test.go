package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// countConn counts the Writes a handler makes.
type countConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A pipeline that arrives in one read is answered with one write.
func TestPipelineOneWrite(t *testing.T) {
	h := New(Config{Store: store.New(nil)})
	client, srv := net.Pipe()
	cc := &countConn{Conn: srv}
	done := make(chan error, 1)
	go func() { done <- h.ServeConn(context.Background(), cc) }()

	var req strings.Builder
	for range 100 {
		req.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
	}
	go client.Write([]byte(req.String())) // net.Pipe: one Write, read whole by the server's one Read
	r := bufio.NewReader(client)
	for i := range 100 {
		for _, want := range []string{"+OK\r\n", "$1\r\n", "v\r\n"} {
			line, err := r.ReadString('\n')
			if err != nil || line != want {
				t.Fatalf("reply %d: %q, %v; want %q", i, line, err, want)
			}
		}
	}
	if n := cc.writes.Load(); n != 1 {
		t.Fatalf("%d writes for one pipelined batch, want 1", n)
	}
	client.Close()
	if err := <-done; err != nil {
		t.Fatalf("ServeConn: %v", err)
	}
}

// sendRaw writes raw, bytes in no particular framing, on c and gives the
// replies 10 s to come.
func sendRaw(t *testing.T, c *respclient.Client, raw string) {
	t.Helper()
	c.SendRaw([]byte(raw))
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Conn().SetDeadline(time.Now().Add(10 * time.Second))
}

// A client that waits for a reply before sending the rest of a command
// must get it: replies go out whenever the server would wait for input.
func TestPartialCommandDoesNotHoldReplies(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	sendRaw(t, c, "PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nh")
	if v, err := c.Receive(); err != nil || v.String() != `"PONG"` {
		t.Fatalf("PING: %v %v", v, err)
	}
	c.SendRaw([]byte("i\r\n"))
	c.Flush()
	if v, err := c.Receive(); err != nil || v.String() != `"hi"` {
		t.Fatalf("ECHO: %v %v", v, err)
	}
}

func TestInline(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	sendRaw(t, c, "SET greeting \"hello world\"\r\nGET greeting\nPING\r\n\r\n  ECHO 'it\\'s'\r\n")
	for _, want := range []string{`"OK"`, `"hello world"`, `"PONG"`, `"it's"`} {
		if v, err := c.Receive(); err != nil || v.String() != want {
			t.Fatalf("reply %v, %v; want %s", v, err, want)
		}
	}
}

// A malformed request gets Redis's protocol error and closes that
// connection only, after the replies to the commands before it.
func TestProtocolErrorClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, serverOpts{})
	other := ts.dial(t)
	do(t, other, "SET", "k", "v")
	cases := map[string]string{
		"*x\r\n":                        "ERR Protocol error: invalid multibulk length",
		"*1\r\n:1\r\n":                  "ERR Protocol error: expected '$', got ':'",
		"*1\r\n$-1\r\n":                 "ERR Protocol error: invalid bulk length",
		"*1\r\n$536870913\r\n":          "ERR Protocol error: invalid bulk length",
		"*1048577\r\n":                  "ERR Protocol error: invalid multibulk length",
		"SET \"k\r\n":                   "ERR Protocol error: unbalanced quotes in request",
		strings.Repeat("a", 70e3):       "ERR Protocol error: too big inline request",
		"*" + strings.Repeat("1", 70e3): "ERR Protocol error: too big mbulk count string",
	}
	for in, want := range cases {
		c := ts.dial(t)
		sendRaw(t, c, "PING\r\n"+in)
		if v, err := c.Receive(); err != nil || v.String() != `"PONG"` {
			t.Fatalf("%.20q: reply before the error: %v %v", in, v, err)
		}
		if v, err := c.Receive(); err != nil || v.Kind != '-' || v.Str != want {
			t.Fatalf("%.20q: %v %v; want %s", in, v, err, want)
		}
		if _, err := c.Receive(); !errors.Is(err, io.EOF) {
			t.Fatalf("%.20q: connection not closed after a protocol error: %v", in, err)
		}
	}
	if have := do(t, other, "GET", "k"); have != `"v"` {
		t.Fatalf("other connection: GET = %s", have)
	}
}

// Announcing a huge bulk string costs what is sent, not what is announced.
func TestAnnouncedBulkIsNotAllocated(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	c.SendRaw([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500000000\r\nabc"))
	c.Flush()
	probe := ts.dial(t)
	do(t, probe, "PING")
	probe.Close()
	c.Close()
	seamtest.Eventually(t, "the connection to end", func() bool { return ts.ln.Stats().Active == 0 })
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 50<<20 {
		t.Fatalf("allocated %d MB for a 500 MB announcement with 3 bytes sent", grew>>20)
	}
}

// A panic in one command's code drops only that client: the others keep
// their connections, and the server keeps accepting.
func TestPanicDropsOnlyThatClient(t *testing.T) {
	ts := startServer(t, serverOpts{debug: true})
	bystander := ts.dial(t)
	do(t, bystander, "SET", "k", "v")

	// The bystander is in the middle of a pipeline when the panic happens.
	for range 50 {
		bystander.Send("INCR", "n")
	}
	if err := bystander.Flush(); err != nil {
		t.Fatal(err)
	}

	victim := ts.dial(t)
	victim.Send("SET", "unacked", "1")
	victim.Send("DEBUG", "PANIC")
	if err := victim.Flush(); err != nil {
		t.Fatal(err)
	}
	victim.Conn().SetDeadline(time.Now().Add(10 * time.Second))
	if v, err := victim.Receive(); err == nil {
		t.Fatalf("the panicking connection answered %v; want it closed", v)
	}

	bystander.Conn().SetDeadline(time.Now().Add(10 * time.Second))
	for i := range 50 {
		if v, err := bystander.Receive(); err != nil || v.Int != int64(i+1) {
			t.Fatalf("bystander's INCR %d: %v %v", i, v, err)
		}
	}
	if have := do(t, bystander, "GET", "k"); have != `"v"` {
		t.Fatalf("bystander GET = %s", have)
	}
	if have := do(t, ts.dial(t), "PING"); have != `"PONG"` {
		t.Fatalf("new connection after the panic: %s", have)
	}
	if n := ts.ln.Stats().Panics; n != 1 {
		t.Fatalf("listener counted %d panics, want 1", n)
	}
	if v, _ := bystander.Do("INFO", "seam"); !strings.Contains(v.Str, "listener_panics:1\r\n") {
		t.Fatalf("INFO seam:\n%s", v.Str)
	}
}

// firstRead signals when the handler's connection first reads data.
type firstRead struct {
	net.Conn
	once *sync.Once
	ch   chan struct{}
}

func (f firstRead) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if n > 0 {
		f.once.Do(func() { close(f.ch) })
	}
	return n, err
}

// At a graceful stop a connection finishes the command in hand, sends its
// reply and ends, without waiting for the drain timeout.
func TestStopFinishesReplyInHand(t *testing.T) {
	read := make(chan struct{})
	var once sync.Once
	ts := startServer(t, serverOpts{debug: true, drain: time.Minute, wrap: func(h listener.Handler) listener.Handler {
		return listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
			return h.ServeConn(ctx, firstRead{Conn: conn, once: &once, ch: read})
		})
	}})
	c := ts.dial(t)
	c.Send("DEBUG", "SLEEP", "0.2")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	<-read // the command is in the server's hands
	stopped := stopBeforeDrain(t, ts)
	c.Conn().SetDeadline(time.Now().Add(10 * time.Second))
	if v, err := c.Receive(); err != nil || v.String() != `"OK"` {
		t.Fatalf("reply in hand: %v %v", v, err)
	}
	if _, err := c.Receive(); !errors.Is(err, io.EOF) {
		t.Fatalf("connection not closed after the stop: %v", err)
	}
	stopped("connections")
}

// An idle connection does not hold up a stop until the drain timeout: its
// blocked read is woken and it ends at once.
func TestStopReleasesIdleConnections(t *testing.T) {
	ts := startServer(t, serverOpts{drain: time.Minute})
	for range 5 {
		do(t, ts.dial(t), "PING") // left open and idle
	}
	stopBeforeDrain(t, ts)("idle connections")
}

// stopBeforeDrain begins ts's stop on another goroutine and returns a
// wait for its end. The tests that use it give ts a minute's drain: the
// wait fails the test if the stop is still under way after 20 s, held by
// the connections it names, or if it closed any of them by force.
func stopBeforeDrain(t *testing.T, ts *testServer) (wait func(conns string)) {
	stopped := make(chan struct{})
	go func() {
		ts.stop()
		close(stopped)
	}()
	return func(conns string) {
		t.Helper()
		select {
		case <-stopped:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s held the stop until the drain timeout", conns)
		}
		if n := ts.ln.Stats().ForceClosed; n != 0 {
			t.Fatalf("%d %s closed by force", n, conns)
		}
	}
}

// Replies are flushed before they pile up: a long pipeline of large GETs
// keeps the server's buffer bounded and the client gets every reply.
func TestLargeRepliesFlushEarly(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	big := strings.Repeat("x", 100_000)
	do(t, c, "SET", "big", big)
	for range 200 {
		c.Send("GET", "big")
	}
	go c.Flush()
	c.Conn().SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := range 200 {
		if v, err := c.Receive(); err != nil || len(v.Str) != len(big) {
			t.Fatalf("GET %d: %d bytes, %v", i, len(v.Str), err)
		}
	}
}
