package main

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/bench/internal/bare"
	"github.com/seamgo/seam/listener"
)

// replyAndClose is the smallest handler that exercises the whole path: it
// answers once and returns, and the server closes the connection.
var replyAndClose = listener.HandlerFunc(func(_ context.Context, c net.Conn) error {
	_, err := c.Write([]byte("+OK\r\n"))
	return err
})

// BenchmarkConnChurn measures accept → handler → close, one connection per
// operation, through a seam listener and through a bare accept loop, in the
// same process and with the same client. The client's own allocations are
// the same in both, so the difference in allocs/op is the server's.
// "seam+log" gives the listener a logger that is enabled, as the kv example
// does, which makes it give every handler a logger with the connection's
// fields.
func BenchmarkConnChurn(b *testing.B) {
	b.Run("seam", func(b *testing.B) {
		benchChurn(b, startSeamBench(b, zerolog.Nop()))
	})
	b.Run("seam+log", func(b *testing.B) {
		benchChurn(b, startSeamBench(b, zerolog.New(io.Discard).Level(zerolog.InfoLevel)))
	})
	b.Run("bare", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			bare.Serve(ctx, ln, replyAndClose)
		}()
		b.Cleanup(func() { cancel(); <-done })
		benchChurn(b, ln.Addr().String())
	})
}

func startSeamBench(b *testing.B, log zerolog.Logger) string {
	srv := serveInProcess(b, &listener.Server{Addr: "127.0.0.1:0", Handler: replyAndClose, Logger: log})
	return srv.BoundAddr().String()
}

// benchChurn connects, reads the reply and the server's close, and hangs
// up, from as many clients at once as GOMAXPROCS.
func benchChurn(b *testing.B, addr string) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 8)
		for pb.Next() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := io.ReadFull(c, buf[:5]); err != nil {
				b.Error(err)
			}
			if n, err := c.Read(buf); n != 0 || err != io.EOF {
				b.Errorf("after the reply: %d bytes, %v; want the server's close", n, err)
			}
			c.Close()
		}
	})
}
