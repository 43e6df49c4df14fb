package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// memConn is a connection whose input is a buffer and whose output is
// counted and dropped: the handler's own cost, without the network's.
type memConn struct {
	in     *bytes.Reader
	writes int
}

func (m *memConn) Read(p []byte) (int, error) {
	if m.in.Len() == 0 {
		return 0, io.EOF
	}
	return m.in.Read(p)
}
func (m *memConn) Write(p []byte) (int, error)      { m.writes++; return len(p), nil }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// benchmarkPipeline serves one connection that sends n commands in a
// pipeline and reports the cost per command.
func benchmarkPipeline(b *testing.B, h *Handler, cmds [][][]byte) {
	var in []byte
	for _, c := range cmds {
		in = resp.AppendCommand(in, c...)
	}
	conn := &memConn{in: bytes.NewReader(in)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		conn.in.Reset(in)
		if err := h.ServeConn(context.Background(), conn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cmds)), "ns/cmd")
}

func mixedCommands(n int) [][][]byte {
	var cmds [][][]byte
	for i := range n {
		k := []byte(fmt.Sprintf("key:%06d", i%1000))
		switch i % 4 {
		case 0:
			cmds = append(cmds, [][]byte{[]byte("SET"), k, []byte("value-value-value")})
		case 1, 2:
			cmds = append(cmds, [][]byte{[]byte("GET"), k})
		case 3:
			cmds = append(cmds, [][]byte{[]byte("INCR"), []byte("counter")})
		}
	}
	return cmds
}

func BenchmarkHandlerGet(b *testing.B) {
	st := store.New(nil)
	st.Set([]byte("k"), []byte("value-value-value"), store.SetOptions{}, nil)
	var cmds [][][]byte
	for range 1000 {
		cmds = append(cmds, [][]byte{[]byte("GET"), []byte("k")})
	}
	benchmarkPipeline(b, New(Config{Store: st}), cmds)
}

func BenchmarkHandlerMixed(b *testing.B) {
	benchmarkPipeline(b, New(Config{Store: store.New(nil)}), mixedCommands(1000))
}

func BenchmarkHandlerMixedAOF(b *testing.B) {
	w, err := aof.New(aof.Config{Path: b.TempDir() + "/bench.aof", Fsync: aof.FsyncNo})
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(w)
	h := New(Config{Store: st, AOF: w})
	if _, err := w.Load(h.Replay); err != nil {
		b.Fatal(err)
	}
	benchmarkPipeline(b, h, mixedCommands(1000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = w.Serve(ctx)
}
