package listener

import (
	"io"
	"net"
	"testing"
	"time"
)

// BenchmarkRead is one small Read on a loopback TCP connection whose peer
// keeps it full: through the socket itself (IdleTimeout 0), through the
// idle timeout's wrapper, and with the alternative the wrapper avoids, a
// read deadline set before every Read.
func BenchmarkRead(b *testing.B) {
	b.Run("socket", func(b *testing.B) {
		benchRead(b, func(c net.Conn) net.Conn { return c })
	})
	b.Run("idle", func(b *testing.B) {
		benchRead(b, func(c net.Conn) net.Conn {
			ic := newIdleConn(c, time.Minute, 0, time.Now, &counters{})
			ic.start()
			return ic
		})
	})
	b.Run("deadline-per-read", func(b *testing.B) {
		benchRead(b, func(c net.Conn) net.Conn { return deadlinePerRead{c} })
	})
}

type deadlinePerRead struct{ net.Conn }

func (c deadlinePerRead) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(time.Minute))
	return c.Conn.Read(p)
}

func benchRead(b *testing.B, wrap func(net.Conn) net.Conn) {
	c, writerDone := loopbackPeer(b, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 64<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	r := wrap(c)
	p := make([]byte, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := io.ReadFull(r, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	writerDone()
}

// loopbackPeer dials a loopback TCP connection and returns its client end;
// peer serves the accepted end on a goroutine of its own. wait waits for
// peer to return, which it must once the client end is closed.
func loopbackPeer(b *testing.B, peer func(net.Conn)) (c net.Conn, wait func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() }) // wakes the Accept if the Dial failed
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		peer(c)
	}()
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return c, func() { <-done }
}
