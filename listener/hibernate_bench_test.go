package listener

import (
	"io"
	"net"
	"testing"
	"time"
)

// BenchmarkWaitPingPong is one request and its reply on a loopback
// connection whose server waits for each request with a Waiter, as kv
// does: on the socket itself (hibernation off), and under hibernation's
// layer (HibernateAfter a minute, never reached), whose waits note when
// they began and ask the socket again after every wakeup. The difference
// is what hibernation costs a busy connection at pipeline 1.
func BenchmarkWaitPingPong(b *testing.B) {
	b.Run("socket", func(b *testing.B) {
		benchPingPong(b, func(c net.Conn) net.Conn { return c })
	})
	b.Run("hibernation", func(b *testing.B) {
		benchPingPong(b, func(c net.Conn) net.Conn {
			ic := newIdleConn(c, 0, time.Minute, time.Now, &counters{})
			ic.start()
			return ic
		})
	})
}

func benchPingPong(b *testing.B, wrap func(net.Conn) net.Conn) {
	c, served := loopbackPeer(b, func(raw net.Conn) {
		c := wrap(raw)
		defer c.Close()
		var w Waiter
		w.Reset(c)
		p := make([]byte, 1)
		for {
			if err := w.Wait(); err != nil {
				return
			}
			if _, err := c.Read(p); err != nil {
				return
			}
			if _, err := c.Write(p); err != nil {
				return
			}
		}
	})
	p := []byte{'x'}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(p); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	served()
}
