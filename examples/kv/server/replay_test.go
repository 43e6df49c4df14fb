package server

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener/seamtest"
)

// snapshot is a keyspace as values and expiry times.
type snapshot map[string]struct {
	val string
	ttl int64 // -1, or milliseconds left
}

func snap(t *testing.T, st *store.Store) snapshot {
	t.Helper()
	s := snapshot{}
	for _, k := range st.Keys("*") {
		v, ok := st.Get([]byte(k))
		if !ok {
			continue
		}
		s[k] = struct {
			val string
			ttl int64
		}{string(v), st.TTL([]byte(k))}
	}
	return s
}

// TestReplayRebuildsKeyspace writes through every write command, including
// writes to keys that expired in between, stops, and replays the file into
// a fresh store: the keyspace must come back the same.
func TestReplayRebuildsKeyspace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay.aof")
	w, err := aof.New(aof.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, serverOpts{aof: w})
	c := ts.dial(t)
	for _, cmd := range [][]string{
		{"SET", "before-flush", "x"},
		{"FLUSHALL"},
		{"SET", "a", "1"},
		{"SET", "b", "2", "EX", "1000"},
		{"SET", "gone", "v", "PX", "20"},
		{"SET", "n2", "5", "PX", "20"},
		{"SET", "ap2", "old", "PX", "20"},
		{"INCR", "n"},
		{"INCRBY", "n", "5"},
		{"DECR", "n"},
		{"DECRBY", "n", "2"},
		{"APPEND", "s", "x"},
		{"APPEND", "s", "y"},
		{"MSET", "m1", "1", "m2", "2", "m3", "3"},
		{"DEL", "m2", "nothing"},
		{"EXPIRE", "a", "1000"},
		{"PERSIST", "a"},
		{"PEXPIRE", "b", "500000"},
		{"EXPIREAT", "m3", "4102444800"},
		{"PEXPIRE", "m1", "-1"},
		{"GETSET", "g", "1"},
		{"SET", "nx", "v", "NX"},
		{"SET", "nx", "w", "NX"},
		{"SET", "xx", "v", "XX"},
		{"SET", "kt", "v", "EX", "1000"},
		{"SET", "kt", "w", "KEEPTTL"},
		{"SET", "exat", "v", "EXAT", "4102444800"},
		{"SET", "pxat", "v", "PXAT", "4102444800000"},
	} {
		if v, err := c.Do(cmd...); err != nil || v.Err() != nil {
			t.Fatalf("%q: %v %v", cmd, v, err)
		}
	}
	// Let three keys expire, then write to two of them: the journal must
	// say they were gone (DEL) before the writes.
	seamtest.Eventually(t, "keys to expire", func() bool {
		return do(t, c, "PTTL", "gone") == "(integer) -2" &&
			ts.store.TTL([]byte("n2")) == -2 && ts.store.TTL([]byte("ap2")) == -2
	})
	do(t, c, "INCR", "n2")
	do(t, c, "APPEND", "ap2", "new")
	want := snap(t, ts.store)
	ts.stop()

	w2, err := aof.New(aof.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	st2 := store.New(w2)
	h2 := New(Config{Store: st2, AOF: w2})
	st2.SetLoading(true)
	res, err := w2.Load(h2.Replay)
	st2.SetLoading(false)
	if err != nil {
		t.Fatal(err)
	}
	have := snap(t, st2)
	closeWriter(t, w2)

	if len(have) != len(want) {
		t.Fatalf("replay of %d records gave keys %v, want %v", res.Records, keysOf(have), keysOf(want))
	}
	for k, wv := range want {
		hv, ok := have[k]
		switch {
		case !ok:
			t.Errorf("key %q missing after replay", k)
		case hv.val != wv.val:
			t.Errorf("key %q = %q after replay, want %q", k, hv.val, wv.val)
		case (hv.ttl == -1) != (wv.ttl == -1) || hv.ttl > wv.ttl || wv.ttl-hv.ttl > 60_000:
			t.Errorf("key %q has TTL %d ms after replay, want about %d", k, hv.ttl, wv.ttl)
		}
	}
	if v := want["n2"].val; v != "1" {
		t.Errorf("INCR of an expired key gave %q, want 1", v)
	}
	if v := want["ap2"].val; v != "new" {
		t.Errorf("APPEND to an expired key gave %q, want new", v)
	}
}

func keysOf(s snapshot) []string {
	var ks []string
	for k := range s {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// closeWriter stops a writer that was loaded but never served.
func closeWriter(t *testing.T, w *aof.Writer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Serve(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReplayRefusesWhatIsNotAWrite(t *testing.T) {
	h := New(Config{Store: store.New(nil)})
	for _, rec := range [][]string{{"GET", "k"}, {"NOSUCH"}, {"DEBUG", "PANIC"}, {"SET", "k"}, {"INCR", "s"}} {
		if rec[0] == "INCR" {
			h.store.Set([]byte("s"), []byte("abc"), store.SetOptions{}, nil)
		}
		args := make([][]byte, len(rec))
		for i, a := range rec {
			args[i] = []byte(a)
		}
		if err := h.Replay(args); err == nil {
			t.Errorf("Replay(%q) accepted it", rec)
		}
	}
	if err := h.Replay([][]byte{[]byte("SET"), []byte("k"), []byte(strconv.Itoa(7))}); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.store.Get([]byte("k")); string(v) != "7" {
		t.Fatalf("k = %q", v)
	}
}
