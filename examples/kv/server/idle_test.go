package server

import (
	"io"
	"net"
	"runtime"
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
