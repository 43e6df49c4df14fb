package server

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/resp"
)

// A big SET's record in the append-only file refers to the value the
// reader read into a buffer of its own (aof.Writer.Keep), not to a copy:
// with the AOF on, the value is allocated once (8 MB, and about 4 MB of
// read buffer that its first megabyte came through). Without the Keep
// around the command, the record's copy adds another 8 MB.
func TestBigSetIsJournalledWithoutACopy(t *testing.T) {
	w, err := aof.New(aof.Config{Path: filepath.Join(t.TempDir(), "big.aof"), Fsync: aof.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, serverOpts{aof: w})
	const size = 8 << 20
	cmd := resp.AppendCommand(nil, []byte("SET"), []byte("big"), bytes.Repeat([]byte("x"), size))
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	reply := make([]byte, len("+OK\r\n"))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := c.Write(cmd); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "+OK\r\n" {
		t.Fatalf("SET: %q, %v", reply, err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew >= 2*size {
		t.Fatalf("a SET of %d MB allocated %d MB with the AOF on; want the value once, under %d MB", size>>20, grew>>20, 2*size>>20)
	}
}
