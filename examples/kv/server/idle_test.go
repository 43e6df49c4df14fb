package server

import (
	"io"
	"net"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// An idle connection holds neither a read nor a write buffer: once its
// replies are sent it waits for its next command with both back in the
// pool. Each would be 16 KiB of live heap per connection; what remains is
// the connection's own state, on both sides of the socket here.
func TestIdleConnectionsHoldNoBuffers(t *testing.T) {
	const clients = 200
	const bound = 8 << 10 // per connection; a read and a write buffer are 32 KiB
	ts := startServer(t, serverOpts{})
	base := liveHeap()
	conns := make([]net.Conn, 0, clients)
	for range clients {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
		if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			t.Fatal(err)
		}
		reply := make([]byte, len("+PONG\r\n"))
		if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "+PONG\r\n" {
			t.Fatalf("PING: %q, %v", reply, err)
		}
	}
	var per int64
	seamtest.Eventually(t, "the idle connections to give their buffers back", func() bool {
		per = int64(liveHeap()-base) / clients
		return per < bound
	})
	t.Logf("%d B of live heap per idle connection, both sides", per)
	runtime.KeepAlive(conns)
}

// liveHeap returns the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// After a command, an idle connection's goroutine keeps the 2 KiB
// starting stack: commands run on the stack pool's workers, so that the
// goroutine that waits never grows. Run on its own goroutine, one SET
// grows it to 4 KiB, which it would keep while idle. (Under the race
// detector, whose instrumentation deepens every frame, the two are 4 KiB
// and 8 KiB.)
func TestIdleConnectionsKeepASmallStack(t *testing.T) {
	const clients = 200
	bound := int64(3 << 10)
	if raceEnabled {
		bound *= 2
	}
	ts := startServer(t, serverOpts{})
	base := stackBytes()
	openAfterSET(t, ts.addr, clients)
	per := (int64(stackBytes()) - int64(base)) / clients
	t.Logf("%d B of goroutine stack per idle connection", per)
	if per >= bound {
		t.Fatalf("%d B of goroutine stack per idle connection; want under %d B: the starting stack, not one a command grew", per, bound)
	}
}

// stackBytes returns the memory in goroutine stacks after a collection.
func stackBytes() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
