package aof

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// bigValue returns n bytes of a pattern that shows where a cut went wrong.
func bigValue(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// bigRecords is a mix of records: small ones, a kept big argument, a kept
// argument's prefix, and a big argument that is not kept (copied).
func bigRecords(kept, loose []byte) [][][]byte {
	return [][][]byte{
		rec("SET a 1"),
		{[]byte("SET"), []byte("big"), kept},
		rec("INCR n"),
		{[]byte("APPEND"), []byte("big"), kept[:resp.BigArg]},
		{[]byte("SET"), []byte("loose"), loose, []byte("PXAT"), []byte("123")},
		{[]byte("MSET"), []byte("x"), kept, []byte("y"), []byte("2")},
	}
}

func appendAll(t *testing.T, w *Writer, recs [][][]byte) []byte {
	t.Helper()
	var want []byte
	for _, r := range recs {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
		want = resp.AppendCommand(want, r...)
	}
	return want
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Records with big arguments, kept by reference or copied, reach the file
// exactly as resp.AppendCommand writes them, and the offsets count them
// exactly.
func TestBigRecordsByteIdentical(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	kept, loose := bigValue(1<<20, 1), bigValue(resp.BigArg+7, 2)
	w.Keep(kept)
	want := appendAll(t, w, bigRecords(kept, loose))
	w.Release(kept)
	// The caller may reuse what it did not keep at once: it was copied.
	clear(loose)
	if w.Appended() != int64(len(want)) || w.Status().Buffered != int64(len(want)) {
		t.Fatalf("Appended %d, status %+v; want %d bytes", w.Appended(), w.Status(), len(want))
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want) {
		t.Fatalf("file differs from AppendCommand's bytes (%d bytes, want %d)", len(have), len(want))
	}
	if st := w.Status(); st.Buffered != 0 || st.Size != int64(len(want)) {
		t.Fatalf("status after Commit %+v", st)
	}
	// Released, a slice is copied again.
	w.mu.Lock()
	n := len(w.kept)
	w.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d slices still kept after Release", n)
	}
}

// Appending a record of a kept 1 MB argument allocates its framing, not a
// copy of the argument; one that is not kept is copied.
func TestAppendKeptDoesNotCopy(t *testing.T) {
	big := bigValue(1<<20, 3)
	r := [][]byte{[]byte("SET"), []byte("big"), big}
	allocated := func(keep bool) uint64 {
		w, _ := loadedWriter(t, Config{Fsync: FsyncNo})
		if keep {
			w.Keep(big)
			defer w.Release(big)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := w.Append(r)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(w.Appended()); err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	if n := allocated(true); n > 64<<10 {
		t.Fatalf("Append of a kept 1 MB argument allocated %d bytes", n)
	}
	if n := allocated(false); n < 1<<20 {
		t.Fatalf("Append of a 1 MB argument not kept allocated only %d bytes: was it referenced?", n)
	}
}

// cutDisk lets the files it opens take budget bytes, then fails every
// write after taking what is left of the budget: a disk that fills up in
// the middle of any segment.
type cutDisk struct {
	mu     sync.Mutex
	budget int64 // -1: no limit
	writes int
}

func (d *cutDisk) set(budget int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.budget = budget
}

type cutFile struct {
	d *cutDisk
	f *os.File
}

func (f *cutFile) Write(p []byte) (int, error) {
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.writes++
	if f.d.budget < 0 || int64(len(p)) <= f.d.budget {
		if f.d.budget >= 0 {
			f.d.budget -= int64(len(p))
		}
		return f.f.Write(p)
	}
	n, _ := f.f.Write(p[:f.d.budget])
	f.d.budget = 0
	return n, errDisk
}

func (f *cutFile) Sync() error  { return f.f.Sync() }
func (f *cutFile) Close() error { return f.f.Close() }

func cutWriter(t *testing.T, d *cutDisk) *Writer {
	t.Helper()
	w, err := New(Config{
		Path: filepath.Join(t.TempDir(), "cut.aof"),
		OpenFile: func(path string) (File, error) {
			f, err := openAppend(path)
			if err != nil {
				return nil, err
			}
			return &cutFile{d: d, f: f.(*os.File)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.stop() })
	return w
}

// A write that fails part way, anywhere (in a record's framing, in the
// middle of a kept big argument, at a segment's edge), leaves the offsets
// exact, refuses appends, fails the Commits it does not cover, and after
// recovery the rest is written from exactly where the failed write
// stopped: the file is the records, byte for byte.
func TestCutWriteResumesExactly(t *testing.T) {
	kept, loose := bigValue(resp.BigArg*3, 5), bigValue(resp.BigArg, 6)
	first := resp.AppendCommand(nil, bigRecords(kept, loose)[0]...)
	total := int64(0)
	for _, r := range bigRecords(kept, loose) {
		total += int64(len(resp.AppendCommand(nil, r...)))
	}
	head := int64(len(first)) + int64(len("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$98304\r\n"))
	cuts := []int64{0, 1, int64(len(first)) - 1, int64(len(first)), int64(len(first)) + 1,
		head - 1, head, head + 1, head + resp.BigArg, head + int64(len(kept)) - 1,
		head + int64(len(kept)), head + int64(len(kept)) + 1, total - 1}
	for _, cut := range cuts {
		d := &cutDisk{budget: cut}
		w := cutWriter(t, d)
		w.Keep(kept)
		if err := w.Append(bigRecords(kept, loose)[0]); err != nil {
			t.Fatal(err)
		}
		upToFirst := w.Appended()
		want := appendAll(t, w, bigRecords(kept, loose)[1:])
		want = append(clone(first), want...)
		w.Release(kept)
		if int64(len(want)) != total || w.Appended() != total {
			t.Fatalf("cut %d: appended %d, want %d", cut, w.Appended(), total)
		}
		err := w.Commit(w.Appended())
		if !errors.Is(err, ErrFailing) || !errors.Is(err, errDisk) {
			t.Fatalf("cut %d: Commit = %v, want ErrFailing", cut, err)
		}
		if w.written.Load() != cut {
			t.Fatalf("cut %d: written %d", cut, w.written.Load())
		}
		st := w.Status()
		if !st.Failing || st.Buffered != total-cut || st.Size != total {
			t.Fatalf("cut %d: status %+v", cut, st)
		}
		// What the cut write covered is committed; the rest is not.
		if err := w.Commit(upToFirst); (err == nil) != (cut >= upToFirst) {
			t.Fatalf("cut %d: Commit(%d) = %v", cut, upToFirst, err)
		}
		if err := w.Append(rec("SET refused 1")); !errors.Is(err, ErrFailing) {
			t.Fatalf("cut %d: Append while failing: %v", cut, err)
		}
		if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want[:cut]) {
			t.Fatalf("cut %d: file holds %d bytes, not the first %d of the records", cut, len(have), cut)
		}

		// A second failure while the disk is still full: the remainder
		// stays as it was.
		d.set(0)
		if err := w.recover(); !errors.Is(err, errDisk) {
			t.Fatalf("cut %d: recover on a full disk: %v", cut, err)
		}
		if w.written.Load() != cut || w.Status().Buffered != total-cut {
			t.Fatalf("cut %d: after a failed recovery written %d, status %+v", cut, w.written.Load(), w.Status())
		}

		d.set(-1)
		if err := w.recover(); err != nil {
			t.Fatalf("cut %d: recover: %v", cut, err)
		}
		if st := w.Status(); st.Failing || st.Buffered != 0 || st.Unsynced != 0 || st.Size != total {
			t.Fatalf("cut %d: status after recovery %+v", cut, st)
		}
		if err := w.Commit(total); err != nil {
			t.Fatalf("cut %d: Commit after recovery: %v", cut, err)
		}
		// The next records follow, big ones too.
		w.Keep(kept)
		want = append(want, appendAll(t, w, bigRecords(kept, loose)[1:2])...)
		w.Release(kept)
		if err := w.Commit(w.Appended()); err != nil {
			t.Fatal(err)
		}
		if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want) {
			t.Fatalf("cut %d: file after recovery differs from the records (%d bytes, want %d)", cut, len(have), len(want))
		}
		if w.Appended() != int64(len(want)) || w.written.Load() != int64(len(want)) {
			t.Fatalf("cut %d: appended %d, written %d, want %d", cut, w.Appended(), w.written.Load(), len(want))
		}
		recs, _, err := loadAll(t, w.cfg.Path)
		if err != nil || len(recs) != 7 {
			t.Fatalf("cut %d: replay: %d records, %v", cut, len(recs), err)
		}
		if err := w.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Records appended while a write is failing part way go after its
// remainder; the stop writes them all.
func TestCutWriteThenStop(t *testing.T) {
	kept := bigValue(resp.BigArg*2, 7)
	d := &cutDisk{budget: 100}
	w := cutWriter(t, d)
	w.Keep(kept)
	defer w.Release(kept)
	want := appendAll(t, w, [][][]byte{{[]byte("SET"), []byte("k"), kept}})
	if err := w.Commit(w.Appended()); !errors.Is(err, ErrFailing) {
		t.Fatalf("Commit = %v", err)
	}
	d.set(-1)
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want) {
		t.Fatalf("file after stop: %d bytes, want %d", len(have), len(want))
	}
}

// A big tail given to the rewrite sink reaches the new file as given.
func TestRewriteBigTail(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	kept := bigValue(resp.BigArg+3, 9)
	big := [][]byte{[]byte("SET"), []byte("a"), kept}
	err := w.Rewrite(context.Background(), fakeDump([]string{"SET a 2"}, func(s *RewriteSink) {
		w.Keep(kept)
		defer w.Release(kept)
		if err := s.Append(-1, rec("SET a 3"), resp.AppendCommand(nil, rec("SET a 3")...)); err != nil {
			t.Error(err)
		}
		if err := s.Append(-1, big, resp.AppendCommand(nil, big...)); err != nil {
			t.Error(err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := resp.AppendCommand(nil, rec("SET a 2")...)
	want = resp.AppendCommand(want, rec("SET a 3")...)
	want = resp.AppendCommand(want, big...)
	if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want) {
		t.Fatalf("rewritten file: %d bytes, want %d", len(have), len(want))
	}
	if st := w.Status(); st.Size != int64(len(want)) {
		t.Fatalf("status %+v, want size %d", st, len(want))
	}
}

// A dump given in pieces, a big value among them handed over by itself,
// and a tail of records whose big arguments are kept (referenced) or not
// (copied) reach the new file exactly as resp.AppendCommand writes them;
// the kept argument is queued by reference, not copied.
func TestRewriteBigDumpAndRecordTail(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	appendCommit(t, w, "SET a 1")
	val, kept, loose := bigValue(1<<20, 3), bigValue(resp.BigArg, 5), bigValue(resp.BigArg+1, 7)
	dumped := resp.AppendCommand(nil, []byte("SET"), []byte("v"), val)
	dumped = resp.AppendCommand(dumped, rec("SET a 2")...)
	tail := [][][]byte{
		rec("SET a 3"),
		{[]byte("SET"), []byte("k"), kept},
		{[]byte("MSET"), []byte("x"), loose, []byte("y"), kept},
	}
	err := w.Rewrite(context.Background(), func(ctx context.Context, s *RewriteSink) error {
		head := len(dumped) - len(val) - len(resp.AppendCommand(nil, rec("SET a 2")...)) - 2
		for _, piece := range [][]byte{dumped[:head], val, dumped[head+len(val):]} {
			if err := s.Dump(piece); err != nil {
				return err
			}
		}
		w.Keep(kept)
		defer w.Release(kept)
		for _, r := range tail {
			recs := [][][]byte{r}
			if err := s.AppendRecords(-1, recs, recs); err != nil {
				return err
			}
		}
		w.mu.Lock()
		refs := s.tail.Referenced()
		w.mu.Unlock()
		if refs != 2 {
			t.Errorf("the tail refers to %d arguments, want 2 (kept twice; loose copied)", refs)
		}
		return s.Finish()
	})
	if err != nil {
		t.Fatal(err)
	}
	want := dumped
	for _, r := range tail {
		want = resp.AppendCommand(want, r...)
	}
	if have := readFile(t, w.cfg.Path); !bytes.Equal(have, want) {
		t.Fatalf("rewritten file: %d bytes, want %d", len(have), len(want))
	}
}
