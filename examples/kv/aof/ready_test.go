package aof

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"

	"github.com/seamgo/seam/examples/kv/resp"
)

// writeAOF writes records to a new file and returns its path.
func writeAOF(t *testing.T, records ...string) string {
	t.Helper()
	var data []byte
	for _, r := range records {
		data = resp.AppendCommand(data, rec(r)...)
	}
	path := filepath.Join(t.TempDir(), "ready.aof")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// heldReplay is a Config.Replay that records what it applies and holds
// the replay on its first record until release is closed.
type heldReplay struct {
	inReplay, release chan struct{}
	applied           []string
}

func newHeldReplay() *heldReplay {
	return &heldReplay{inReplay: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldReplay) apply(args [][]byte) error {
	if len(h.applied) == 0 {
		close(h.inReplay)
		<-h.release
	}
	h.applied = append(h.applied, string(bytes.Join(args, []byte(" "))))
	return nil
}

// Serve's first start replays the file through Config.Replay, calls
// Loaded, and only then is ready; until then appends are refused.
func TestServeReplaysThenReady(t *testing.T) {
	want := []string{"SET a 1", "INCR n", "DEL a"}
	path := writeAOF(t, want...)
	h := newHeldReplay()
	var loaded LoadResult
	w, _ := newWriter(t, Config{Path: path, Replay: h.apply, Loaded: func(res LoadResult) { loaded = res }})
	served := seamtest.Go(t, w)
	<-h.inReplay
	// The replay is held on its first record, so it cannot be ready yet.
	if closedYet(w.Ready()) {
		t.Fatal("Ready closed during the replay")
	}
	if err := w.Append(rec("SET early 1")); err != ErrNotLoaded {
		t.Fatalf("Append during the replay: %v, want ErrNotLoaded", err)
	}
	close(h.release)
	<-w.Ready()
	if !slices.Equal(h.applied, want) || loaded.Records != len(want) {
		t.Fatalf("at Ready: replayed %q, Loaded got %+v; want %q", h.applied, loaded, want)
	}
	if err := w.Append(rec("SET later 1")); err != nil {
		t.Fatalf("Append once ready: %v", err)
	}
	if err := served.Stop(); err != nil {
		t.Fatal(err)
	}
	if !closedYet(w.Ready()) {
		t.Fatal("Ready open again after the stop")
	}
	wantRecords(t, path, append(want, "SET later 1")...)
}

// A corrupt file ends Serve's first start with the CorruptError, before
// Ready: a supervisor.Group then fails its start.
func TestServeCorruptNeverReady(t *testing.T) {
	path := writeAOF(t, "SET a 1")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(data, "*2\r\n:1\r\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	w, _ := newWriter(t, Config{Path: path, Replay: func([][]byte) error { return nil }})
	served := seamtest.Go(t, w)
	var ce *CorruptError
	if err := served.Wait(t); !errors.As(err, &ce) || ce.Offset != int64(len(data)) {
		t.Fatalf("Serve = %v, want a CorruptError at offset %d", err, len(data))
	}
	if closedYet(w.Ready()) {
		t.Fatal("Ready closed for a corrupt file")
	}
	// Replaying again would apply the good records twice.
	if err := w.Serve(context.Background()); !errors.Is(err, errLoadedOnce) {
		t.Fatalf("Serve after a failed load = %v, want errLoadedOnce", err)
	}
}

// A stop during the replay ends it between two records: Serve returns at
// once, the file is left as it was, and the Writer refuses appends.
func TestServeStoppedDuringReplay(t *testing.T) {
	path := writeAOF(t, "SET a 1", "SET b 2")
	before, _ := os.ReadFile(path)
	h := newHeldReplay()
	w, _ := newWriter(t, Config{Path: path, Replay: h.apply})
	served := seamtest.Go(t, w)
	<-h.inReplay
	served.Cancel()
	close(h.release)
	if err := served.Wait(t); err != nil {
		t.Fatalf("Serve stopped during the replay = %v, want nil", err)
	}
	if len(h.applied) != 1 {
		t.Fatalf("applied %q after the stop, want only the record in hand", h.applied)
	}
	if err := w.Append(rec("SET c 3")); err != ErrClosed {
		t.Fatalf("Append after the stop: %v, want ErrClosed", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Fatal("the file changed")
	}
}

// Without Config.Replay Serve cannot load the file, and says so.
func TestServeWithoutReplay(t *testing.T) {
	w, _ := newWriter(t, Config{})
	if err := w.Serve(context.Background()); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("Serve = %v, want ErrNotLoaded", err)
	}
}

// Load, as Serve's first start, calls Loaded and closes Ready; a Writer
// loads once.
func TestLoadReadyOnce(t *testing.T) {
	var calls int
	w, _ := newWriter(t, Config{Loaded: func(LoadResult) { calls++ }})
	if closedYet(w.Ready()) {
		t.Fatal("Ready closed before Load")
	}
	if _, err := w.Load(func([][]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !closedYet(w.Ready()) || calls != 1 {
		t.Fatalf("after Load: ready %v, Loaded called %d times", closedYet(w.Ready()), calls)
	}
	if _, err := w.Load(func([][]byte) error { return nil }); !errors.Is(err, errLoadedOnce) {
		t.Fatalf("second Load = %v, want errLoadedOnce", err)
	}
	stopWriter(t, w)
}
