package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// heard is a Notifier that writes down what it hears, and what MSET's
// each callback says, in one sequence.
type heard struct {
	mu  sync.Mutex
	evs []string
}

func (h *heard) Notify(db int, ev KeyEvent, key string) {
	name := map[KeyEvent]string{KeyNew: "new", KeyExpired: "expired"}[ev]
	h.add(fmt.Sprintf("%d %s %s", db, name, key))
}

func (h *heard) add(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.evs = append(h.evs, s)
}

func (h *heard) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	evs := h.evs
	h.evs = nil
	return evs
}

func (h *heard) want(t *testing.T, step string, want ...string) {
	t.Helper()
	if have := h.take(); !slices.Equal(have, want) {
		t.Fatalf("%s: heard %q, want %q", step, have, want)
	}
}

// The store tells its Notifier of the keys it adds, where Redis's dbAdd
// sends "new", and of the keys it removes because their time passed,
// found by a lookup or a sweep; nothing before SetNotifier or after it is
// turned off, and only the events asked for.
func TestNotifier(t *testing.T) {
	s, _, c := newTestStore(t)
	s.SetClock(c.now)
	h := &heard{}
	s.Set(b("before"), b("v"), SetOptions{}, nil)
	h.want(t, "no Notifier")

	s.SetNotifier(h, KeyNew|KeyExpired)
	s.Set(b("k"), b("v"), SetOptions{}, nil)
	s.Set(b("k"), b("w"), SetOptions{}, nil)
	h.want(t, "SET twice", "0 new k")

	s.Push(b("l"), rec("a"), true, nil)
	s.Push(b("l"), rec("b"), true, nil)
	s.SAdd(b("s"), rec("a"), nil)
	s.HSet(b("h"), rec("f", "v"), nil)
	s.ZAdd(b("z"), ZAddOptions{XX: true}, []ZPair{{Member: b("m"), Score: 1}}, nil) // creates nothing
	s.ZAdd(b("z"), ZAddOptions{}, []ZPair{{Member: b("m"), Score: 1}}, nil)
	s.IncrBy(b("n"), 1, nil)
	s.Append(b("a"), b("x"), nil)
	s.SetRange(b("r"), 1, b("x"), nil)
	s.SetRange(b("empty"), 1, nil, nil) // creates nothing
	h.want(t, "writes that create", "0 new l", "0 new s", "0 new h", "0 new z", "0 new n", "0 new a", "0 new r")

	// RENAME and COPY add their destination anew even over an old one;
	// a STORE form adds it only if it was missing.
	s.Rename(b("k"), b("a"), nil)
	s.Copy(b("a"), s.DB(3), b("c"), false, nil)
	s.SetStore(b("s"), rec("x"), nil)
	s.SetStore(b("s2"), rec("x"), nil)
	h.want(t, "RENAME, COPY, SETSTORE", "0 new a", "3 new c", "0 new s2")

	// SMOVE reports a new destination instead: its events come after the
	// removal from the source.
	moved, _ := s.SMove(b("s2"), b("s3"), b("x"), nil)
	if moved != (SMoved{Moved: true, SrcGone: true, DstNew: true, Added: true}) {
		t.Fatalf("SMove = %+v", moved)
	}
	h.want(t, "SMOVE")

	// Expired keys: found by a read, a write, a sweep, and overwritten
	// by MSET, whose each callback comes right after each key's events.
	for _, k := range []string{"e1", "e2", "e3", "e4"} {
		s.Set(b(k), b("v"), SetOptions{ExpireAt: c.now() + 10}, nil)
	}
	h.take()
	c.add(10)
	mustMiss(t, s, "e1")
	s.Push(b("e2"), rec("a"), false, nil)
	s.MSet(rec("e3", "1", "m", "2"), nil, func(k []byte) { h.add("each " + string(k)) }, nil)
	h.want(t, "expiry", "0 expired e1", "0 expired e2", "0 new e2", "0 expired e3", "0 new e3", "each e3", "0 new m", "each m")
	if n, _ := s.Sweep(time.Second); n != 1 {
		t.Fatalf("Sweep removed %d keys, want 1", n)
	}
	h.want(t, "sweep", "0 expired e4")

	// A replay's writes were told of when they were made.
	s.SetLoading(true)
	s.Set(b("replayed"), b("v"), SetOptions{}, nil)
	s.SetLoading(false)
	h.want(t, "replay")

	s.SetNotifier(h, KeyExpired)
	s.Set(b("x"), b("v"), SetOptions{ExpireAt: c.now() + 10}, nil)
	c.add(10)
	mustMiss(t, s, "x")
	h.want(t, "expired only", "0 expired x")

	s.SetNotifier(nil, KeyNew)
	s.Set(b("y"), b("v"), SetOptions{ExpireAt: c.now() + 10}, nil)
	c.add(10)
	mustMiss(t, s, "y")
	h.want(t, "off")
}

// A write that removes a value's last element removes its key and says
// so, as Redis then sends "del".
func TestWritesReportTheKeyGone(t *testing.T) {
	s, _, _ := newTestStore(t)
	checks := []struct {
		name string
		fill func()
		run  func() bool
	}{
		{"SREM", func() { s.SAdd(b("k"), rec("a", "b"), nil) }, func() bool { _, g, _ := s.SRem(b("k"), rec("a", "b"), nil); return g }},
		{"HDEL", func() { s.HSet(b("k"), rec("a", "1"), nil) }, func() bool { _, g, _ := s.HDel(b("k"), rec("a"), nil); return g }},
		{"ZREM", func() { s.ZAdd(b("k"), ZAddOptions{}, []ZPair{{Member: b("a"), Score: 1}}, nil) }, func() bool { _, g, _ := s.ZRem(b("k"), rec("a"), nil); return g }},
		{"ZPOPMIN", func() { s.ZAdd(b("k"), ZAddOptions{}, []ZPair{{Member: b("a"), Score: 1}}, nil) }, func() bool { _, g, _ := s.ZPopMin(b("k"), 5, nil); return g }},
		{"ZREMRANGEBYRANK", func() { s.ZAdd(b("k"), ZAddOptions{}, []ZPair{{Member: b("a"), Score: 1}}, nil) }, func() bool {
			_, g, _ := s.ZRemWhere(b("k"), func(int, int, ZPair) bool { return true }, nil)
			return g
		}},
		{"SPOP", func() { s.SAdd(b("k"), rec("a"), nil) }, func() bool { _, g, _ := s.SPop(b("k"), 1, rec("SREM", "k")); return g }},
		{"LPOP", func() { s.Push(b("k"), rec("a"), false, nil) }, func() bool { _, g, _ := s.Pop(b("k"), 1, true, nil); return g }},
		{"LREM", func() { s.Push(b("k"), rec("a"), false, nil) }, func() bool { _, g, _ := s.LRem(b("k"), 0, b("a"), nil); return g }},
		{"LTRIM", func() { s.Push(b("k"), rec("a"), false, nil) }, func() bool { _, g, _ := s.LTrim(b("k"), 1, 0, nil); return g }},
		{"LMOVE", func() { s.Push(b("k"), rec("a"), false, nil) }, func() bool { _, _, g, _ := s.LMove(b("k"), b("dst"), true, true, nil); return g }},
	}
	for _, ch := range checks {
		s.Del(b("k"), nil)
		ch.fill()
		if !ch.run() || s.Exists(b("k")) {
			t.Errorf("%s of the last element: the key is not reported gone", ch.name)
		}
	}
	s.SAdd(b("two"), rec("a", "b"), nil)
	if _, gone, _ := s.SRem(b("two"), rec("a"), nil); gone {
		t.Error("SREM of one of two members reported the key gone")
	}
	if found, gone, _ := s.LTrim(b("nolist"), 0, 1, nil); found || gone {
		t.Errorf("LTRIM of a missing key = %v, %v", found, gone)
	}
}
