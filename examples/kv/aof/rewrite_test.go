package aof

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener/seamtest"
)

// fakeDump is a store's half of a rewrite over a keyspace of strings: it
// dumps want, then, before Finish, runs during (writes made mid-rewrite).
func fakeDump(dumped []string, during func(s *RewriteSink)) func(context.Context, *RewriteSink) error {
	return func(ctx context.Context, s *RewriteSink) error {
		var buf []byte
		for _, r := range dumped {
			buf = resp.AppendCommand(buf, rec(r)...)
		}
		if err := s.Dump(buf); err != nil {
			return err
		}
		if during != nil {
			during(s)
		}
		return s.Finish()
	}
}

func loadedWriter(t *testing.T, cfg Config) (*Writer, *kvtest.Disk) {
	t.Helper()
	w, d := newLoadedWriter(t, cfg)
	t.Cleanup(func() { _ = w.stop() })
	return w, d
}

// mustAppend appends recs to w's journal, failing t on an error.
func mustAppend(t *testing.T, w *Writer, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if err := w.Append(rec(r)); err != nil {
			t.Fatal(err)
		}
	}
}

// appendCommit appends recs and waits for them to be committed.
func appendCommit(t *testing.T, w *Writer, recs ...string) {
	t.Helper()
	mustAppend(t, w, recs...)
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
}

// The new file is the dump, then the tail, then what is appended after the
// switch; the old records are gone, the lock is on the new file, and the
// offsets Commit waits for keep growing.
func TestRewriteSwitchesFile(t *testing.T) {
	for _, fsync := range []Fsync{FsyncEverySec, FsyncAlways, FsyncNo} {
		t.Run(fsync.String(), func(t *testing.T) {
			w, _ := loadedWriter(t, Config{Fsync: fsync})
			appendCommit(t, w, "SET a 1", "SET a 2", "SET b 1", "DEL b")
			before := w.Appended()
			err := w.Rewrite(context.Background(), fakeDump([]string{"SET a 2"}, func(s *RewriteSink) {
				// A write to a dumped key mid-rewrite: journalled and tailed.
				if err := s.Append(-1, rec("SET a 3"), resp.AppendCommand(nil, rec("SET a 3")...)); err != nil {
					t.Error(err)
				}
				if st := w.Status(); !st.RewriteInProgress {
					t.Errorf("status mid-rewrite: %+v", st)
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			appendCommit(t, w, "SET c 1")
			if w.Appended() <= before {
				t.Fatalf("Appended went back: %d after %d", w.Appended(), before)
			}
			have, res, err := loadAll(t, w.cfg.Path)
			want := []string{"SET a 2", "SET a 3", "SET c 1"}
			if err != nil || !slices.Equal(have, want) {
				t.Fatalf("replayed %q, %v; want %q", have, err, want)
			}
			st := w.Status()
			if st.Size != res.Size || st.BaseSize >= st.Size || st.RewriteInProgress || st.LastRewriteFailed || st.LastRewriteSecs < 0 || st.Rewrites != 1 {
				t.Fatalf("status after the rewrite: %+v (file %d bytes)", st, res.Size)
			}
			if _, err := lockPath(w.cfg.Path); !errors.Is(err, ErrLocked) {
				t.Fatalf("locking the new file from outside: %v, want ErrLocked", err)
			}
			if tmps, _ := filepath.Glob(w.cfg.Path + ".rewrite-*"); len(tmps) != 0 {
				t.Fatalf("temporary files left: %q", tmps)
			}
		})
	}
}

// A rewrite that fails leaves the old file live and whole, with the
// writes made meanwhile, and removes its temporary file.
func TestRewriteFailureKeepsOldFile(t *testing.T) {
	boom := errors.New("dump failed")
	w, _ := loadedWriter(t, Config{})
	appendCommit(t, w, "SET a 1")
	err := w.Rewrite(context.Background(), func(ctx context.Context, s *RewriteSink) error {
		if err := s.Append(-1, rec("SET a 2"), resp.AppendCommand(nil, rec("SET a 2")...)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Rewrite = %v, want %v", err, boom)
	}
	appendCommit(t, w, "SET a 3")
	wantRecords(t, w.cfg.Path, "SET a 1", "SET a 2", "SET a 3")
	if st := w.Status(); !st.LastRewriteFailed {
		t.Fatalf("status: %+v", st)
	}
	if tmps, _ := filepath.Glob(w.cfg.Path + ".rewrite-*"); len(tmps) != 0 {
		t.Fatalf("temporary files left: %q", tmps)
	}
}

// A failing disk abandons the switch: records set aside for it reach the
// old file once the writer has recovered.
func TestRewriteAbandonedWhileFailing(t *testing.T) {
	w, d := loadedWriter(t, Config{})
	appendCommit(t, w, "SET a 1")
	err := w.Rewrite(context.Background(), fakeDump([]string{"SET a 1"}, func(s *RewriteSink) {
		_ = w.Append(rec("SET b 1"))
		d.Fail(true)
		if err := w.Commit(w.Appended()); !errors.Is(err, ErrFailing) {
			t.Errorf("Commit on a failing disk = %v", err)
		}
		d.Fail(false)
	}))
	if !errors.Is(err, ErrFailing) {
		t.Fatalf("Rewrite = %v, want ErrFailing", err)
	}
	if err := w.recover(); err != nil {
		t.Fatal(err)
	}
	wantRecords(t, w.cfg.Path, "SET a 1", "SET b 1")
}

func TestRewriteOneAtATime(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	err := w.Rewrite(context.Background(), fakeDump(nil, func(*RewriteSink) {
		if err := w.Rewrite(context.Background(), fakeDump(nil, nil)); !errors.Is(err, ErrRewriteRunning) {
			t.Errorf("second Rewrite = %v, want ErrRewriteRunning", err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// A crash mid-rewrite leaves a temporary file; the next load removes it
// and replays the old file.
func TestLoadRemovesStaleRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.aof")
	if err := os.WriteFile(path, resp.AppendCommand(nil, rec("SET a 1")...), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "kv.aof.rewrite-123.tmp")
	other := filepath.Join(dir, "other.aof.rewrite-1.tmp")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("*1\r\n$3\r\nDEL"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := newWriter(t, Config{Path: path})
	var have []string
	if _, err := w.Load(func(args [][]byte) error {
		have = append(have, string(args[0]))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	defer stopWriter(t, w)
	if !slices.Equal(have, []string{"SET"}) {
		t.Fatalf("replayed %q", have)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale rewrite still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("another file's rewrite was removed: %v", err)
	}
}

// The Rewriter runs a requested rewrite, refuses a second request while
// one is scheduled or running, and rewrites by itself once the file has
// grown by Percentage.
func TestRewriterRequestAndAuto(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	dump := func(ctx context.Context, s *RewriteSink) error {
		started <- struct{}{}
		<-release
		return fakeDump(nil, nil)(ctx, s)
	}
	r, err := NewRewriter(RewriterConfig{Writer: w, Dump: dump})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Request(); err != nil {
		t.Fatal(err)
	}
	if err := r.Request(); !errors.Is(err, ErrRewriteRunning) || !r.Scheduled() {
		t.Fatalf("second Request = %v (scheduled %v), want ErrRewriteRunning", err, r.Scheduled())
	}
	s := seamtest.Go(t, r)
	seamtest.Recv(t, started, "the requested rewrite")
	if err := r.Request(); !errors.Is(err, ErrRewriteRunning) {
		t.Fatalf("Request mid-rewrite = %v", err)
	}
	release <- struct{}{}
	seamtest.Eventually(t, "the rewrite to end", func() bool { return w.Status().Rewrites == 1 })
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	auto, err := NewRewriter(RewriterConfig{Writer: w, Dump: dump, Percentage: 100, MinSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	auto.cfg.check = 1
	s = seamtest.Go(t, auto)
	var at Status
	seamtest.Eventually(t, "an automatic rewrite", func() bool {
		select {
		case <-started:
			at = w.Status()
			return true
		default:
		}
		appendCommit(t, w, "SET "+strings.Repeat("k", 20)+" v")
		return false
	})
	release <- struct{}{}
	seamtest.Eventually(t, "the automatic rewrite to end", func() bool { return w.Status().Rewrites == 2 })
	if at.Size < 64 || at.Size < 2*max(at.BaseSize, 1) {
		t.Fatalf("automatic rewrite of a file under MinSize or not doubled: %+v", at)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}
