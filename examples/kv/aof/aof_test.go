package aof

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// errDisk is what a failing test disk returns.
var errDisk = kvtest.ErrNoSpace

// newWriter returns a Writer whose files are on a disk that the test can
// fail, with torn writes.
func newWriter(t *testing.T, cfg Config) (*Writer, *kvtest.Disk) {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "test.aof")
	}
	d := &kvtest.Disk{Torn: true}
	cfg.OpenFile = func(path string) (File, error) {
		f, err := openAppend(path)
		if err != nil {
			return nil, err
		}
		return d.Wrap(f.(*os.File)), nil
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w, d
}

// newLoadedWriter is newWriter with the file loaded (replaying nothing),
// so that the Writer takes appends. The test stops the Writer itself;
// loadedWriter stops it at cleanup.
func newLoadedWriter(t *testing.T, cfg Config) (*Writer, *kvtest.Disk) {
	t.Helper()
	w, d := newWriter(t, cfg)
	if _, err := w.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return w, d
}

func rec(s string) [][]byte {
	var r [][]byte
	for _, f := range strings.Fields(s) {
		r = append(r, []byte(f))
	}
	return r
}

// loadAll replays path into a list of records.
func loadAll(t *testing.T, path string) ([]string, LoadResult, error) {
	t.Helper()
	// replay rather than a Writer's Load: the file may still be held by
	// the Writer under test, and a reader takes no lock.
	var recs []string
	res, err := replay(context.Background(), path, func(args [][]byte) error {
		recs = append(recs, string(bytes.Join(args, []byte(" "))))
		return nil
	}, zerolog.Nop(), new(atomic.Int64))
	return recs, res, err
}

// wantRecords fails t unless the file at path replays as exactly want.
func wantRecords(t *testing.T, path string, want ...string) {
	t.Helper()
	have, _, err := loadAll(t, path)
	if err != nil || !slices.Equal(have, want) {
		t.Fatalf("%s holds %q, %v; want %q", filepath.Base(path), have, err, want)
	}
}

func TestAppendBeforeLoad(t *testing.T) {
	w, _ := newWriter(t, Config{})
	if err := w.Append(rec("SET k v")); err != ErrNotLoaded {
		t.Fatalf("err = %v, want ErrNotLoaded", err)
	}
}

func TestAppendCommitLoad(t *testing.T) {
	w, _ := newWriter(t, Config{})
	if res, err := w.Load(func([][]byte) error { return nil }); err != nil || res.Records != 0 {
		t.Fatalf("Load of a missing file: %+v, %v", res, err)
	}
	want := []string{"SET a 1", "SET b 2 PXAT 123", "DEL a", "INCR n"}
	mustAppend(t, w, want...)
	if st := w.Status(); st.Buffered == 0 || st.Size != st.Buffered {
		t.Fatalf("status before Commit: %+v", st)
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	if st := w.Status(); st.Buffered != 0 {
		t.Fatalf("Buffered = %d after Commit", st.Buffered)
	}
	have, res, err := loadAll(t, w.cfg.Path)
	if err != nil || !slices.Equal(have, want) {
		t.Fatalf("replayed %q, %v; want %q", have, err, want)
	}
	if res.Records != 4 || res.Size != w.Status().Size {
		t.Fatalf("LoadResult %+v, writer size %d", res, w.Status().Size)
	}
	stopWriter(t, w)
}

func stopWriter(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCutsTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "torn.aof")
	good := resp.AppendCommand(nil, rec("SET a 1")...)
	good = resp.AppendCommand(good, rec("SET b 2")...)
	last := resp.AppendCommand(nil, rec("SET c 3")...)
	for cut := 1; cut < len(last); cut++ {
		if err := os.WriteFile(path, append(slices.Clip(good), last[:cut]...), 0o644); err != nil {
			t.Fatal(err)
		}
		w, _ := newWriter(t, Config{Path: path})
		var n int
		res, err := w.Load(func([][]byte) error { n++; return nil })
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if n != 2 || res.Size != int64(len(good)) || res.Truncated != int64(cut) {
			t.Fatalf("cut at %d: applied %d, %+v", cut, n, res)
		}
		// The file is whole again: new records land after the good ones.
		mustAppend(t, w, "SET d 4")
		stopWriter(t, w)
		have, _, err := loadAll(t, path)
		if want := []string{"SET a 1", "SET b 2", "SET d 4"}; err != nil || !slices.Equal(have, want) {
			t.Fatalf("cut at %d: after reopening %q, %v; want %q", cut, have, err, want)
		}
	}
}

func TestLoadCorruptMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.aof")
	good := resp.AppendCommand(nil, rec("SET a 1")...)
	data := append(slices.Clip(good), "*2\r\n:1\r\n"...)
	data = resp.AppendCommand(data, rec("SET b 2")...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := loadAll(t, path)
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.Offset != int64(len(good)) {
		t.Fatalf("err = %v, want a CorruptError at offset %d", err, len(good))
	}
	if !strings.Contains(err.Error(), fmt.Sprint("offset ", len(good))) {
		t.Fatalf("error %q does not name the offset", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != int64(len(data)) {
		t.Fatal("a corrupt file was modified")
	}
}

func TestLoadInlineIsCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inline.aof")
	if err := os.WriteFile(path, []byte("SET a 1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadAll(t, path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

func TestLoadApplyErrorIsCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apply.aof")
	data := resp.AppendCommand(nil, rec("SET a 1")...)
	data = resp.AppendCommand(data, rec("BOGUS")...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	w, _ := newWriter(t, Config{Path: path})
	boom := errors.New("unknown command")
	_, err := w.Load(func(args [][]byte) error {
		if string(args[0]) == "BOGUS" {
			return boom
		}
		return nil
	})
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, boom) || ce.Offset != int64(len(resp.AppendCommand(nil, rec("SET a 1")...))) {
		t.Fatalf("err = %v", err)
	}
}

// At stop the writer flushes what was appended, and refuses appends from
// then on: whatever appends must have stopped before it.
func TestStopClosesForGood(t *testing.T) {
	w, _ := newLoadedWriter(t, Config{})
	served := seamtest.Go(t, w)
	mustAppend(t, w, "SET last 1")
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(rec("SET after 1")); err != ErrClosed {
		t.Fatalf("append after stop: err = %v, want ErrClosed", err)
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatalf("commit of nothing after stop: %v", err)
	}
	wantRecords(t, w.cfg.Path, "SET last 1")
}

// Records appended but not committed before the stop are flushed by it.
func TestStopFlushesBuffered(t *testing.T) {
	w, d := newLoadedWriter(t, Config{Fsync: FsyncNo})
	served := seamtest.Go(t, w)
	for i := range 100 {
		if err := w.Append(rec(fmt.Sprint("SET k", i, " v"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	have, _, _ := loadAll(t, w.cfg.Path)
	if len(have) != 100 {
		t.Fatalf("%d records in the file, want 100", len(have))
	}
	if d.Syncs() == 0 {
		t.Fatal("no fsync at stop")
	}
	if err := w.Serve(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Serve after stop: %v, want ErrClosed", err)
	}
}

func TestFsyncAlwaysSyncsBeforeCommitReturns(t *testing.T) {
	w, d := newLoadedWriter(t, Config{Fsync: FsyncAlways})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if err := w.Append(rec(fmt.Sprint("SET k", i, "-", j, " v"))); err != nil {
					t.Error(err)
					return
				}
				if err := w.Commit(w.Appended()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if w.synced.Load() != w.appended.Load() {
		t.Fatalf("synced %d of %d bytes", w.synced.Load(), w.appended.Load())
	}
	if n := d.Syncs(); n == 0 || n > 400 {
		t.Fatalf("%d fsyncs for 400 commits", n)
	}
	stopWriter(t, w)
}

func TestEverySecTickSyncs(t *testing.T) {
	w, d := newLoadedWriter(t, Config{})
	w.Append(rec("SET k v"))
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	if d.Syncs() != 0 || w.Status().Unsynced == 0 {
		t.Fatal("everysec Commit synced")
	}
	if err := w.tick(); err != nil {
		t.Fatal(err)
	}
	if d.Syncs() != 1 || w.Status().Unsynced != 0 {
		t.Fatalf("tick: %d syncs, status %+v", d.Syncs(), w.Status())
	}
	stopWriter(t, w)
}

// A failing disk refuses appends, ends Serve with the error (so the tree
// restarts it), and a restarted Serve writes what was pending and lets
// appends in again; the file ends up whole.
func TestFailureAndRecovery(t *testing.T) {
	w, d := newLoadedWriter(t, Config{})
	served := seamtest.Go(t, w)
	mustAppend(t, w, "SET a 1")
	d.Fail(true)
	mustAppend(t, w, "SET b 2")
	if err := w.Commit(w.Appended()); !errors.Is(err, ErrFailing) || !errors.Is(err, errDisk) {
		t.Fatalf("Commit on a failing disk: %v", err)
	}
	if err := w.Append(rec("SET c 3")); !errors.Is(err, ErrFailing) {
		t.Fatalf("Append while failing: %v, want ErrFailing", err)
	}
	// The failed write is counted before the refusal is visible. A Serve
	// goroutine that starts only now finds the writer failing and its
	// reopen fails too, which counts a second failure: both are right.
	st := w.Status()
	if !st.Failing || st.Failures < 1 || st.Failures > 2 || !strings.Contains(st.LastError, errDisk.Error()) {
		t.Fatalf("status %+v", st)
	}
	// Serve ends with the error, whether it was running when the write
	// failed or started after (and failed to recover).
	if err := served.Wait(t); !errors.Is(err, errDisk) {
		t.Fatalf("Serve returned %v, want the disk's error", err)
	}
	failures := w.Status().Failures

	// Restarted while the disk still fails: Serve fails again at once.
	if err := w.Serve(context.Background()); !errors.Is(err, errDisk) {
		t.Fatalf("restart on a failing disk: %v", err)
	}
	if have := w.Status().Failures; have != failures+1 {
		t.Fatalf("Failures = %d, want %d", have, failures+1)
	}

	d.Fail(false)
	seamtest.Go(t, w)
	seamtest.Eventually(t, "recovery", func() bool { return !w.Status().Failing })
	if err := w.Append(rec("SET d 4")); err != nil {
		t.Fatalf("Append after recovery: %v", err)
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	if st := w.Status(); st.Failing || st.LastError == "" {
		t.Fatalf("status after recovery %+v", st)
	}
	stopWriter(t, w)
	wantRecords(t, w.cfg.Path, "SET a 1", "SET b 2", "SET d 4")
}

func TestParseFsync(t *testing.T) {
	for _, s := range []string{"always", "everysec", "no"} {
		f, err := ParseFsync(s)
		if err != nil || f.String() != s {
			t.Errorf("ParseFsync(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFsync("sometimes"); !errors.Is(err, ErrBadConfig) || !errors.Is(err, supervisor.ErrBadConfig) {
		t.Errorf("err = %v", err)
	}
	if _, err := New(Config{}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("New without Path: %v", err)
	}
}

func BenchmarkAppend(b *testing.B) {
	w, err := New(Config{Path: filepath.Join(b.TempDir(), "b.aof"), Fsync: FsyncNo})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Load(func([][]byte) error { return nil }); err != nil {
		b.Fatal(err)
	}
	r := rec("SET key:000123 value-value-value")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Append(r)
		if i++; i%16 == 0 {
			w.Commit(w.Appended())
		}
	}
	if err := w.stop(); err != nil {
		b.Fatal(err)
	}
}
