package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

func info(t *testing.T, addr, section string) string {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	v, err := c.Do("INFO", section)
	if err != nil {
		t.Fatal(err)
	}
	return v.Str
}

// TestAOFFailure: when the disk fails, writes are refused (MISCONF) and the
// failure shows in the logs and INFO, reads keep working, the writer is
// retried, and once the disk is back writes work again and nothing
// acknowledged is missing.
//
// The tree runs with the group's real restart intensity (5 failures, then
// a 15s pause). The writer fails more than that before the disk comes
// back, and must still be writing again within recoverWithin: only a
// writer retried in place, out of the group's intensity, is.
func TestAOFFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, logs := testConfig(t, dir)
	disk := &kvtest.Disk{}
	cfg.openAOF = func(path string) (aof.File, error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		return disk.Wrap(f), nil
	}
	r := start(t, cfg)
	c := dial(t, r.addr)
	do(t, c, "SET", "before", "1")

	disk.Fail(true)
	// The first write after the disk broke is appended but cannot be
	// committed: its reply is never sent and the connection closes.
	if v, err := c.Do("SET", "during", "1"); err == nil {
		t.Fatalf("a write that could not be committed was answered: %v", v)
	}
	c2 := dial(t, r.addr)
	seamtest.Eventually(t, "writes to be refused", func() bool {
		return strings.HasPrefix(do(t, c2, "SET", "refused", "1"), "(error) MISCONF Errors writing to the AOF file: ")
	})
	if have := do(t, c2, "GET", "before"); have != `"1"` {
		t.Fatalf("read while the AOF fails: %s", have)
	}
	if have := do(t, c2, "GET", "refused"); have != "(nil)" {
		t.Fatalf("a refused write took effect: GET = %s", have)
	}
	st := info(t, r.addr, "persistence")
	for _, want := range []string{"aof_last_write_status:err", "no space left on device (injected)"} {
		if !strings.Contains(st, want) {
			t.Fatalf("INFO persistence lacks %q:\n%s", want, st)
		}
	}
	if strings.Contains(st, "aof_write_failures:0\r\n") {
		t.Fatalf("no failures counted:\n%s", st)
	}
	seamtest.Eventually(t, "the failure in the logs", func() bool {
		return strings.Contains(logs.String(), "append-only file failing")
	})
	// More failures than the group's threshold: a full disk, retried.
	seamtest.Eventually(t, "the writer to fail 6 times", func() bool {
		return aofFailures(t, r.addr) >= 6
	})

	disk.Fail(false)
	waitWithin(t, recoverWithin, "the writer to recover", func() bool {
		return strings.Contains(info(t, r.addr, "persistence"), "aof_last_write_status:ok")
	})
	if strings.Contains(logs.String(), "supervisor pauses restarts") {
		t.Fatal("the writer's failures paused the group's restarts")
	}
	seamtest.Eventually(t, "the recovery in the logs", func() bool {
		return strings.Contains(logs.String(), "append-only file writable again")
	})
	do(t, c2, "SET", "after", "1")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	r2 := start(t, cfg)
	// "during" was never acknowledged but sat in the buffer, and the
	// restarted writer wrote it out; "refused" never took effect.
	if have := do(t, dial(t, r2.addr), "MGET", "before", "during", "refused", "after"); have != `["1", "1", (nil), "1"]` {
		t.Fatalf("after restart: %s", have)
	}
}

// recoverWithin bounds the wait for the writer after the disk is back:
// generous for a writer retried each second, shorter than the group's
// 15s pause that a writer left to the group's intensity would wait.
const recoverWithin = 10 * time.Second

// aofFailures is INFO persistence's aof_write_failures.
func aofFailures(t *testing.T, addr string) int {
	t.Helper()
	for _, line := range strings.Split(info(t, addr, "persistence"), "\r\n") {
		if v, ok := strings.CutPrefix(line, "aof_write_failures:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("aof_write_failures:%s", v)
			}
			return n
		}
	}
	t.Fatal("INFO persistence has no aof_write_failures")
	return 0
}

// A crash in the middle of a write leaves a torn last record: it is cut
// off with a warning and the server starts.
func TestTornAOFStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, logs := testConfig(t, dir)
	good := resp.AppendCommand(nil, []byte("SET"), []byte("k"), []byte("v"))
	torn := resp.AppendCommand(nil, []byte("SET"), []byte("k2"), []byte("v2"))
	if err := os.WriteFile(cfg.aofPath, append(good, torn[:len(torn)-3]...), 0o644); err != nil {
		t.Fatal(err)
	}
	r := start(t, cfg)
	if have := do(t, dial(t, r.addr), "MGET", "k", "k2"); have != `["v", (nil)]` {
		t.Fatalf("MGET = %s", have)
	}
	if !strings.Contains(logs.String(), "aof-load-truncated") {
		t.Fatalf("no warning about the torn record:\n%s", logs.String())
	}
	if fi, _ := os.Stat(cfg.aofPath); fi.Size() != int64(len(good)) {
		t.Fatalf("file is %d bytes, want the torn record cut to %d", fi.Size(), len(good))
	}
}

// A corrupt record in the middle stops the start with an error that names
// its offset: the keyspace never loads, so run returns a StartError naming
// the child that waits for it.
func TestCorruptAOFRefused(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	good := resp.AppendCommand(nil, []byte("SET"), []byte("k"), []byte("v"))
	data := append(append(good, "*1\r\n$3\r\nGET\r\n"...), good...)
	if err := os.WriteFile(cfg.aofPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := serve(t, build(t, cfg))
	err := r.wait(t)
	var ce *aof.CorruptError
	if !errors.As(err, &ce) || ce.Offset != int64(len(good)) {
		t.Fatalf("err = %v, want a CorruptError at offset %d", err, len(good))
	}
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.Path != "kv/keyspace" || !errors.Is(err, supervisor.ErrStartFailed) {
		t.Fatalf("err = %v, want a StartError of kv/keyspace", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg.aofPath), "kv.aof")); err != nil {
		t.Fatal(err)
	}
}
