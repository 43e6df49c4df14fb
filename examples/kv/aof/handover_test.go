package aof

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// With ReadyOnLock, Ready closes once the file is locked, during the
// replay; Loaded closes after it, and Status shows the replay's progress
// meanwhile.
func TestReadyOnLock(t *testing.T) {
	path := writeAOF(t, "SET a 1", "SET b 2")
	size := kvtest.FileSize(t, path)
	h := newHeldReplay()
	w, _ := newWriter(t, Config{Path: path, Replay: h.apply, ReadyOnLock: true})
	served := seamtest.Go(t, w)
	<-h.inReplay
	if !closedYet(w.Ready()) {
		t.Fatal("Ready open during the replay, with ReadyOnLock")
	}
	if closedYet(w.Loaded()) {
		t.Fatal("Loaded closed during the replay")
	}
	st := w.Status()
	if !st.Loading || st.LoadingTotalBytes != size || st.LoadingLoadedBytes != 0 || st.LoadingStartTime == 0 {
		t.Fatalf("Status during the replay: %+v", st)
	}
	if _, err := lockPath(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock of a file being loaded: %v, want ErrLocked", err)
	}
	close(h.release)
	if err := w.WaitLoaded(context.Background()); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, w.Loaded(), "Loaded")
	if st := w.Status(); st.Loading {
		t.Fatalf("Status once loaded: %+v", st)
	}
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
}

// With ReadyOnLock a corrupt file fails after Ready: Serve returns the
// CorruptError wrapping suture.ErrTerminateSupervisorTree, so that the
// tree ends, and WaitLoaded returns it to whoever waits for the keyspace.
func TestReadyOnLockCorrupt(t *testing.T) {
	path := writeAOF(t, "SET a 1")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(data, "*2\r\n:1\r\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	w, _ := newWriter(t, Config{Path: path, Replay: func([][]byte) error { return nil }, ReadyOnLock: true})
	served := seamtest.Go(t, w)
	var ce *CorruptError
	err := served.Wait(t)
	if !errors.As(err, &ce) || !errors.Is(err, suture.ErrTerminateSupervisorTree) {
		t.Fatalf("Serve = %v, want a CorruptError ending the tree", err)
	}
	if err := w.WaitLoaded(context.Background()); !errors.As(err, &ce) {
		t.Fatalf("WaitLoaded = %v, want the CorruptError", err)
	}
	if closedYet(w.Loaded()) {
		t.Fatal("Loaded closed for a corrupt file")
	}
}

// Handover writes out and syncs what was appended, and unlocks the file,
// which another Writer can then load whole; appends are refused
// meanwhile. The Writer's stop after it writes nothing.
func TestHandover(t *testing.T) {
	w, d := newLoadedWriter(t, Config{})
	served := seamtest.Go(t, w)
	mustAppend(t, w, "SET a 1", "SET b 2")
	syncs := d.Syncs()
	if err := w.Handover(); err != nil {
		t.Fatal(err)
	}
	if d.Syncs() == syncs {
		t.Fatal("Handover did not fsync")
	}
	if err := w.Append(rec("SET c 3")); !errors.Is(err, ErrHandedOver) {
		t.Fatalf("Append after Handover: %v, want ErrHandedOver", err)
	}
	if err := w.Rewrite(context.Background(), nil); !errors.Is(err, ErrRewriteRunning) {
		t.Fatalf("Rewrite after Handover: %v, want it refused", err)
	}
	if err := w.Handover(); !errors.Is(err, ErrRewriteRunning) && !errors.Is(err, ErrHandedOver) {
		t.Fatalf("second Handover: %v", err)
	}
	next, _ := newWriter(t, Config{Path: w.cfg.Path})
	var have []string
	if _, err := next.Load(func(args [][]byte) error {
		have = append(have, string(slices.Concat(args[0], []byte(" "), args[1], []byte(" "), args[2])))
		return nil
	}); err != nil {
		t.Fatalf("the successor's load: %v", err)
	}
	if want := []string{"SET a 1", "SET b 2"}; !slices.Equal(have, want) {
		t.Fatalf("the successor loaded %q, want %q", have, want)
	}
	size := kvtest.FileSize(t, w.cfg.Path)
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	if kvtest.FileSize(t, w.cfg.Path) != size {
		t.Fatal("the stop after a handover wrote to the file")
	}
	stopWriter(t, next)
}

// Resume takes a handed-over file back: appends go on after the records
// written before. It fails while another process holds the lock, and
// when the file changed meanwhile.
func TestResume(t *testing.T) {
	w, _ := newLoadedWriter(t, Config{})
	served := seamtest.Go(t, w)
	mustAppend(t, w, "SET a 1")
	if err := w.Handover(); err != nil {
		t.Fatal(err)
	}
	held, err := lockPath(w.cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Resume(); !errors.Is(err, ErrLocked) {
		t.Fatalf("Resume while another holds the lock: %v, want ErrLocked", err)
	}
	held.Close()
	if err := w.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(rec("SET b 2")); err != nil {
		t.Fatalf("Append after Resume: %v", err)
	}
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	wantRecords(t, w.cfg.Path, "SET a 1", "SET b 2")

	// A file written to while handed over is not taken back.
	w2, _ := newLoadedWriter(t, Config{Path: w.cfg.Path})
	served = seamtest.Go(t, w2)
	if err := w2.Handover(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(w.cfg.Path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("*1\r\n$8\r\nFLUSHALL\r\n")
	f.Close()
	if err := w2.Resume(); err == nil {
		t.Fatal("Resume took back a file another process wrote to")
	}
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Resume(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Resume after the stop: %v, want ErrClosed", err)
	}
}
