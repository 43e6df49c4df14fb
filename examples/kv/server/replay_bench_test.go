package server

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// replayFile writes an append-only file of n records of five types over
// 10,000 keys, as a soak leaves one, and returns its path.
func replayFile(b *testing.B, n int) string {
	var out []byte
	val := []byte("value-of-a-typical-size-value-of-a-typical-size-value-of-a-typical-size")
	for i := range n {
		k := strconv.AppendInt(nil, int64(i*7919%10000), 10)
		f := strconv.AppendInt(nil, int64(i%50), 10)
		switch i % 5 {
		case 0:
			out = resp.AppendCommand(out, []byte("SET"), append([]byte("s:"), k...), val)
		case 1:
			out = resp.AppendCommand(out, []byte("HSET"), append([]byte("h:"), k...), f, val)
		case 2:
			out = resp.AppendCommand(out, []byte("RPUSH"), append([]byte("l:"), k...), val)
		case 3:
			out = resp.AppendCommand(out, []byte("SADD"), append([]byte("t:"), k...), f)
		case 4:
			out = resp.AppendCommand(out, []byte("ZADD"), append([]byte("z:"), k...), k, f)
		}
	}
	path := filepath.Join(b.TempDir(), "replay.aof")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// replayFileFlag names an append-only file for BenchmarkReplay to load
// instead of the one it writes: a file a real workload left (bench's
// aofrestart workload makes one).
var replayFileFlag = flag.String("replay-file", "", "append-only file for BenchmarkReplay; empty: a generated one")

// BenchmarkReplay loads an append-only file into an empty keyspace, as
// kv does at start: the reader, the dispatch and the store's inserts.
// Profile it with -cpuprofile to see where a restart's time goes:
//
//	go test ./examples/kv/server -run XXX -bench Replay -cpuprofile cpu.out [-replay-file kv.aof]
func BenchmarkReplay(b *testing.B) {
	const records = 100_000
	path := replayFile(b, records)
	if *replayFileFlag != "" {
		path = *replayFileFlag
	}
	b.ReportAllocs()
	for b.Loop() {
		w, err := aof.New(aof.Config{Path: path, Fsync: aof.FsyncNo})
		if err != nil {
			b.Fatal(err)
		}
		st := store.New(w)
		st.SetLoading(true)
		h := New(Config{Store: st, AOF: w})
		if _, err := w.Load(h.Replay); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = w.Serve(ctx) // closes the file and releases its lock
		b.StartTimer()
	}
	if *replayFileFlag == "" {
		b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
	}
}
