package server

import (
	"context"
	"io"
	"net"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/listener"
)

// An idle connection's goroutine keeps the 2 KiB starting stack, with the
// listener logging at debug level (which puts a logger in each
// connection's ctx) and under a wrapper of the handler, as bench's
// seamkv runs it. A stack grows when a call goes past it and shrinks
// only below a quarter in use, so one deep call while a connection is set
// up costs it 4 KiB for life. And the runtime starts each new goroutine
// with the average stack in use at the last collection, rounded up to a
// power of two after adding its guard (928 B on linux/amd64): on a server
// of idle connections that average is the depth of their wait, and past
// about 1.1 KiB every connection accepted after the next collection
// starts with 4 KiB. Both are checked: the starting size after a
// collection over many idle connections, and the stacks of the
// connections opened after it.
func TestIdleConnectionsKeepNewStacksSmall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector doubles the stack guard: every average rounds up to 4 KiB")
	}
	// The wrapper counts connections and times their ends, as a
	// benchmark's or a metrics layer's would.
	var served, lastEnd atomic.Int64
	ts := startServer(t, serverOpts{log: zerolog.New(io.Discard), wrap: func(h listener.Handler) listener.Handler {
		return listener.HandlerFunc(func(ctx context.Context, c net.Conn) error {
			served.Add(1)
			defer func() { lastEnd.Store(time.Now().UnixNano()) }()
			return h.ServeConn(ctx, c)
		})
	}})
	openAfterSET(t, ts.addr, 1000) // idle connections, enough to set the average
	runtime.GC()
	start := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(start)
	const later = 200
	base := stackBytes()
	openAfterSET(t, ts.addr, later)
	per := (int64(stackBytes()) - int64(base)) / later
	t.Logf("starting stack %d B after a collection over idle connections; %d B of stack per connection opened then", start[0].Value.Uint64(), per)
	if have := start[0].Value.Uint64(); have > 2<<10 {
		t.Errorf("starting stack = %d B; want 2 KiB: an idle connection's goroutine is too deep", have)
	}
	if per >= 3<<10 {
		t.Errorf("%d B of goroutine stack per connection opened after the collection; want under 3 KiB", per)
	}
	if served.Load() != 1000+later {
		t.Errorf("the wrapper served %d connections; want %d", served.Load(), 1000+later)
	}
}

// openAfterSET opens n connections to addr, each of which sends one SET
// and reads its reply, and leaves them open, idle, until the test ends.
func openAfterSET(t *testing.T, addr string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")); err != nil {
			t.Fatal(err)
		}
		reply := make([]byte, len("+OK\r\n"))
		if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "+OK\r\n" {
			t.Fatalf("SET: %q, %v", reply, err)
		}
	}
}
