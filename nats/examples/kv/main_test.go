package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/nats/internal/natstest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// startKV runs an instance with args and returns its address.
func startKV(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, bound) }()
	t.Cleanup(func() {
		cancel()
		if err := seamtest.Recv(t, done, "kv to stop"); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case a := <-bound:
		return a.String()
	case err := <-done:
		t.Fatalf("run returned %v before it was ready", err)
		return ""
	}
}

// client speaks RESP over one connection, as redis-cli does.
type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c := seamtest.Dial(t, mustResolve(t, addr))
	c.SetDeadline(time.Now().Add(seamtest.Wait)) // a missing reply fails, not hangs
	return &client{c: c, r: bufio.NewReader(c)}
}

func mustResolve(t *testing.T, addr string) net.Addr {
	t.Helper()
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// do sends one command and returns its reply.
func (c *client) do(t *testing.T, args ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		t.Fatal(err)
	}
	return c.reply(t)
}

// reply reads one reply: a simple value as its text, an array as its
// elements joined by spaces.
func (c *client) reply(t *testing.T) string {
	t.Helper()
	line, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '*':
		n, _ := strconv.Atoi(line[1:])
		parts := make([]string, n)
		for i := range parts {
			parts[i] = c.reply(t)
		}
		return strings.Join(parts, " ")
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)"
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(buf[:n])
	}
	return line[1:]
}

func TestPublishReachesEveryInstance(t *testing.T) {
	srv := natstest.Start(t)
	a := startKV(t, "-nats", srv.URL)
	b := startKV(t, "-nats", srv.URL)

	sub := dial(t, b)
	if have := sub.do(t, "SUBSCRIBE", "news"); have != "subscribe news 1" {
		t.Fatalf("SUBSCRIBE: %q", have)
	}
	psub := dial(t, b)
	if have := psub.do(t, "PSUBSCRIBE", "n*"); have != "psubscribe n* 1" {
		t.Fatalf("PSUBSCRIBE: %q", have)
	}
	local := dial(t, a)
	if have := local.do(t, "SUBSCRIBE", "news"); have != "subscribe news 1" {
		t.Fatalf("SUBSCRIBE: %q", have)
	}

	pub := dial(t, a)
	const n = 100
	for i := range n {
		// One receiver on a; b's two are not counted, as in Redis Cluster.
		if have := pub.do(t, "PUBLISH", "news", strconv.Itoa(i)); have != "1" {
			t.Fatalf("PUBLISH %d answered %q, want 1 (the local receiver)", i, have)
		}
	}
	for i := range n {
		if have, want := sub.reply(t), "message news "+strconv.Itoa(i); have != want {
			t.Fatalf("subscriber on b: %q, want %q", have, want)
		}
		if have, want := psub.reply(t), "pmessage n* news "+strconv.Itoa(i); have != want {
			t.Fatalf("pattern subscriber on b: %q, want %q", have, want)
		}
		if have, want := local.reply(t), "message news "+strconv.Itoa(i); have != want {
			t.Fatalf("subscriber on a: %q, want %q (once: no echo through NATS)", have, want)
		}
	}
	// A message from b reaches a's subscriber next: nothing of a's own
	// came back a second time before it.
	if have := dial(t, b).do(t, "PUBLISH", "news", "from b"); have != "2" {
		t.Fatalf("PUBLISH on b answered %q, want 2", have)
	}
	if have := local.reply(t); have != "message news from b" {
		t.Fatalf("subscriber on a: %q, want b's message", have)
	}
}

func TestLosingNATSKeepsLocalDelivery(t *testing.T) {
	srv := natstest.Start(t)
	a := startKV(t, "-nats", srv.URL)
	b := startKV(t, "-nats", srv.URL)
	onA, onB := dial(t, a), dial(t, b)
	onA.do(t, "SUBSCRIBE", "ch")
	onB.do(t, "SUBSCRIBE", "ch")
	pubA, pubB := dial(t, a), dial(t, b)

	srv.Stop()
	if have := pubA.do(t, "PUBLISH", "ch", "while down"); have != "1" {
		t.Fatalf("PUBLISH without NATS answered %q, want 1", have)
	}
	if have := onA.reply(t); have != "message ch while down" {
		t.Fatalf("local subscriber: %q", have)
	}

	srv.Start()
	// Each instance reconnects on its own: publish until a message
	// crosses, then the next one crosses too, in order.
	seamtest.Eventually(t, "a message from b to reach a again", func() bool {
		pubB.do(t, "PUBLISH", "ch", "back")
		onB.reply(t) // b's own subscriber gets each one
		onA.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		defer onA.c.SetReadDeadline(time.Now().Add(seamtest.Wait))
		line, err := onA.r.Peek(1)
		return err == nil && len(line) == 1
	})
	pubB.do(t, "PUBLISH", "ch", "after")
	for {
		have := onA.reply(t)
		if have == "message ch after" {
			break
		}
		if have != "message ch back" {
			t.Fatalf("subscriber on a: %q, want the messages of b in order", have)
		}
	}
}
