package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// journal records what the Store hands it, and refuses when fail is set.
type journal struct {
	mu   sync.Mutex
	recs []string
	fail error
	// breakAfter, when set, is how many more records the journal takes
	// before it fails as a file does that breaks between two appends: an
	// AppendAllDB that would cross the break is refused whole, as the
	// file's state is checked once for the group.
	breakAfter *int
}

func (j *journal) AppendDB(_ int, rec [][]byte) error {
	return j.AppendAllDB(0, [][][]byte{rec})
}

func (j *journal) AppendAllDB(_ int, recs [][][]byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.breakAfter != nil && *j.breakAfter < len(recs) {
		*j.breakAfter = 0
		return errJournalBroke
	}
	if j.fail != nil {
		return j.fail
	}
	for _, rec := range recs {
		parts := make([]string, len(rec))
		for i, r := range rec {
			parts[i] = string(r)
		}
		j.recs = append(j.recs, strings.Join(parts, " "))
	}
	if j.breakAfter != nil {
		*j.breakAfter -= len(recs)
	}
	return nil
}

var errJournalBroke = errors.New("journal broke")

func (j *journal) take() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.recs
	j.recs = nil
	return r
}

// clock is a settable time for the Store's now seam.
type clock struct {
	mu sync.Mutex
	ms int64
}

func (c *clock) now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ms
}

func (c *clock) add(d int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ms += d
}

func newTestStore(t *testing.T) (*Store, *journal, *clock) {
	t.Helper()
	j := &journal{}
	c := &clock{ms: 1_000_000}
	s := New(j)
	s.now = c.now
	return s, j, c
}

func rec(args ...string) [][]byte {
	r := make([][]byte, len(args))
	for i, a := range args {
		r[i] = []byte(a)
	}
	return r
}

func b(s string) []byte { return []byte(s) }

func mustGet(t *testing.T, s *Store, key, want string) {
	t.Helper()
	v, ok := s.Get(b(key))
	if !ok || string(v) != want {
		t.Fatalf("Get(%q) = %q, %v; want %q", key, v, ok, want)
	}
}

func mustMiss(t *testing.T, s *Store, key string) {
	t.Helper()
	if v, ok := s.Get(b(key)); ok {
		t.Fatalf("Get(%q) = %q, want missing", key, v)
	}
}

func TestSetGetModes(t *testing.T) {
	s, j, _ := newTestStore(t)
	if _, _, set, _ := s.Set(b("k"), b("v1"), SetOptions{Mode: SetIfExists}, rec("SET", "k", "v1", "XX")); set {
		t.Fatal("XX set a missing key")
	}
	if _, _, set, _ := s.Set(b("k"), b("v1"), SetOptions{Mode: SetIfAbsent}, rec("SET", "k", "v1")); !set {
		t.Fatal("NX did not set a missing key")
	}
	old, had, set, _ := s.Set(b("k"), b("v2"), SetOptions{Mode: SetIfAbsent}, rec("SET", "k", "v2"))
	if set || !had || string(old) != "v1" {
		t.Fatalf("NX on existing: old %q had %v set %v", old, had, set)
	}
	old, had, set, _ = s.Set(b("k"), b("v3"), SetOptions{Mode: SetIfExists}, rec("SET", "k", "v3"))
	if !set || !had || string(old) != "v1" {
		t.Fatalf("XX on existing: old %q had %v set %v", old, had, set)
	}
	mustGet(t, s, "k", "v3")
	if have, want := j.take(), []string{"SET k v1", "SET k v3"}; !slices.Equal(have, want) {
		t.Fatalf("journal %q, want %q (only writes that took effect)", have, want)
	}
}

func TestSetCopiesValue(t *testing.T) {
	s, _, _ := newTestStore(t)
	v := b("abc")
	s.Set(b("k"), v, SetOptions{}, nil)
	v[0] = 'X'
	mustGet(t, s, "k", "abc")
}

func TestRefusedWriteChangesNothing(t *testing.T) {
	s, j, _ := newTestStore(t)
	s.Set(b("k"), b("1"), SetOptions{}, rec("SET", "k", "1"))
	boom := errors.New("disk full")
	j.fail = boom
	writes := map[string]func() error{
		"set":     func() error { _, _, _, err := s.Set(b("k"), b("2"), SetOptions{}, rec("x")); return err },
		"mset":    func() error { return s.MSet(rec("k", "2", "other", "3"), nil, nil, rec("x")) },
		"del":     func() error { _, err := s.Del(b("k"), rec("x")); return err },
		"incr":    func() error { _, err := s.IncrBy(b("k"), 1, rec("x")); return err },
		"append":  func() error { _, err := s.Append(b("k"), b("2"), rec("x")); return err },
		"expire":  func() error { _, err := s.Expire(b("k"), 5_000_000, 0, rec("x")); return err },
		"expired": func() error { _, err := s.Expire(b("k"), 1, 0, rec("x")); return err },
		"flush":   func() error { return s.Flush(rec("x")) },
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, boom) {
			t.Errorf("%s: err = %v, want the journal's", name, err)
		}
	}
	mustGet(t, s, "k", "1")
	mustMiss(t, s, "other")
	if s.TTL(b("k")) != -1 {
		t.Fatalf("TTL = %d after refused EXPIRE", s.TTL(b("k")))
	}
}

func TestExpiryLazyAndJournalled(t *testing.T) {
	s, j, c := newTestStore(t)
	s.Set(b("k"), b("v"), SetOptions{ExpireAt: c.now() + 100}, rec("SET", "k", "v", "PXAT", "x"))
	if ttl := s.TTL(b("k")); ttl != 100 {
		t.Fatalf("TTL = %d, want 100", ttl)
	}
	c.add(99)
	mustGet(t, s, "k", "v")
	c.add(1)
	mustMiss(t, s, "k")
	if s.TTL(b("k")) != -2 || s.Exists(b("k")) || s.Len() != 0 {
		t.Fatal("expired key still visible")
	}
	if have, want := j.take(), []string{"SET k v PXAT x", "DEL k"}; !slices.Equal(have, want) {
		t.Fatalf("journal %q, want %q", have, want)
	}
	if s.Expired() != 1 {
		t.Fatalf("Expired = %d, want 1", s.Expired())
	}
}

// An increment of an expired key must start from zero, and the journal must
// say why: DEL before INCR, so that a replay without expiry agrees.
func TestWriteOnExpiredKeyJournalsDelFirst(t *testing.T) {
	s, j, c := newTestStore(t)
	s.Set(b("n"), b("5"), SetOptions{ExpireAt: c.now() + 10}, rec("SET", "n", "5", "PXAT", "x"))
	c.add(10)
	if n, err := s.IncrBy(b("n"), 1, rec("INCR", "n")); err != nil || n != 1 {
		t.Fatalf("IncrBy = %d, %v; want 1", n, err)
	}
	if have, want := j.take(), []string{"SET n 5 PXAT x", "DEL n", "INCR n"}; !slices.Equal(have, want) {
		t.Fatalf("journal %q, want %q", have, want)
	}
}

func TestLoadingDisablesExpiry(t *testing.T) {
	s, _, c := newTestStore(t)
	s.SetLoading(true)
	s.Set(b("k"), b("5"), SetOptions{ExpireAt: c.now() - 10}, nil)
	if n, err := s.IncrBy(b("k"), 1, nil); err != nil || n != 6 {
		t.Fatalf("IncrBy during load = %d, %v; want 6", n, err)
	}
	if removed, _ := s.Sweep(time.Second); removed != 0 {
		t.Fatalf("Sweep removed %d keys while loading", removed)
	}
	s.SetLoading(false)
	mustMiss(t, s, "k")
}

// A SET whose expiry has passed is journalled as it was given, as Redis
// 7.0 propagates it; the key is invisible at once, and the lookup that
// finds it expired removes it, journalled as DEL.
func TestSetExpiryInThePast(t *testing.T) {
	s, j, c := newTestStore(t)
	s.Set(b("k"), b("v"), SetOptions{}, rec("SET", "k", "v"))
	if _, _, set, err := s.Set(b("k"), b("w"), SetOptions{ExpireAt: c.now()}, rec("SET", "k", "w", "PXAT", "x")); !set || err != nil {
		t.Fatalf("set %v err %v", set, err)
	}
	mustMiss(t, s, "k")
	if have, want := j.take(), []string{"SET k v", "SET k w PXAT x", "DEL k"}; !slices.Equal(have, want) {
		t.Fatalf("journal %q, want %q", have, want)
	}
}

func TestKeepTTL(t *testing.T) {
	s, _, c := newTestStore(t)
	s.Set(b("k"), b("v"), SetOptions{ExpireAt: c.now() + 500}, nil)
	s.Set(b("k"), b("w"), SetOptions{KeepTTL: true}, nil)
	if s.TTL(b("k")) != 500 {
		t.Fatalf("TTL = %d after KEEPTTL, want 500", s.TTL(b("k")))
	}
	s.Set(b("k"), b("x"), SetOptions{}, nil)
	if s.TTL(b("k")) != -1 {
		t.Fatalf("TTL = %d after plain SET, want -1", s.TTL(b("k")))
	}
	if s.Volatile() != 0 {
		t.Fatalf("Volatile = %d, want 0", s.Volatile())
	}
}

func TestIncrBy(t *testing.T) {
	s, _, c := newTestStore(t)
	if n, _ := s.IncrBy(b("n"), 5, nil); n != 5 {
		t.Fatalf("IncrBy missing = %d", n)
	}
	if n, _ := s.IncrBy(b("n"), -7, nil); n != -2 {
		t.Fatalf("IncrBy = %d, want -2", n)
	}
	s.Set(b("n"), b("9223372036854775807"), SetOptions{ExpireAt: c.now() + 1000}, nil)
	if _, err := s.IncrBy(b("n"), 1, nil); err != ErrOverflow {
		t.Fatalf("overflow err = %v", err)
	}
	if n, _ := s.IncrBy(b("n"), -1, nil); n != 9223372036854775806 || s.TTL(b("n")) != 1000 {
		t.Fatalf("IncrBy = %d TTL %d: want the expiry kept", n, s.TTL(b("n")))
	}
	s.Set(b("m"), b("-9223372036854775808"), SetOptions{}, nil)
	if _, err := s.IncrBy(b("m"), -1, nil); err != ErrOverflow {
		t.Fatalf("underflow err = %v", err)
	}
	for _, bad := range []string{"", "abc", " 1", "1 ", "+1", "01", "1.5", "99999999999999999999"} {
		s.Set(b("x"), b(bad), SetOptions{}, nil)
		if _, err := s.IncrBy(b("x"), 1, nil); err != ErrNotInteger {
			t.Errorf("IncrBy on %q: err = %v, want ErrNotInteger", bad, err)
		}
	}
}

func TestAppend(t *testing.T) {
	s, _, _ := newTestStore(t)
	if n, _ := s.Append(b("k"), b("ab"), nil); n != 2 {
		t.Fatalf("Append = %d", n)
	}
	v1, _ := s.Get(b("k"))
	if n, _ := s.Append(b("k"), b("cd"), nil); n != 4 {
		t.Fatalf("Append = %d", n)
	}
	mustGet(t, s, "k", "abcd")
	if string(v1) != "ab" {
		t.Fatalf("a slice read before APPEND changed to %q", v1)
	}
	if n, err := s.Strlen(b("k")); n != 4 || err != nil {
		t.Fatal("Strlen")
	}
	if n, err := s.Strlen(b("none")); n != 0 || err != nil {
		t.Fatal("Strlen")
	}
}

func TestExpireConditions(t *testing.T) {
	s, _, c := newTestStore(t)
	now := c.now()
	s.Set(b("k"), b("v"), SetOptions{}, nil)
	steps := []struct {
		cond ExpireCond
		at   int64
		want ExpiryChange
		ttl  int64
	}{
		{ExpireXX, now + 100, ExpiryKept, -1},
		{ExpireGT, now + 100, ExpiryKept, -1}, // no expiry is infinitely late
		{ExpireXX | ExpireLT, now + 100, ExpiryKept, -1},
		{ExpireLT, now + 100, ExpirySet, 100},
		{ExpireNX, now + 200, ExpiryKept, 100},
		{ExpireGT, now + 50, ExpiryKept, 100},
		{ExpireXX | ExpireGT, now + 300, ExpirySet, 300},
		{ExpireLT, now + 400, ExpiryKept, 300},
		{ExpireXX, now + 250, ExpirySet, 250},
		{0, now + 1000, ExpirySet, 1000},
	}
	for i, st := range steps {
		if have, _ := s.Expire(b("k"), st.at, st.cond, nil); have != st.want {
			t.Fatalf("step %d: Expire = %v, want %v", i, have, st.want)
		}
		if ttl := s.TTL(b("k")); ttl != st.ttl {
			t.Fatalf("step %d: TTL = %d, want %d", i, ttl, st.ttl)
		}
	}
	if ok, _ := s.Persist(b("k"), nil); !ok || s.TTL(b("k")) != -1 {
		t.Fatal("Persist")
	}
	if ok, _ := s.Persist(b("k"), nil); ok {
		t.Fatal("Persist of a key without expiry reported true")
	}
	if ch, _ := s.Expire(b("missing"), now+10, 0, nil); ch != ExpiryKept {
		t.Fatalf("Expire of a missing key = %v", ch)
	}
	if ch, _ := s.Expire(b("k"), now-1, 0, nil); ch != ExpiryDeleted || s.Exists(b("k")) {
		t.Fatalf("Expire in the past = %v; want the key deleted", ch)
	}
}

func TestDelMSetFlush(t *testing.T) {
	s, j, _ := newTestStore(t)
	if err := s.MSet(rec("a", "1", "b", "2", "a", "3"), nil, nil, rec("MSET", "a", "1", "b", "2", "a", "3")); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "a", "3")
	mustGet(t, s, "b", "2")
	if ok, _ := s.Del(b("a"), rec("DEL", "a")); !ok {
		t.Fatal("Del existing = false")
	}
	if ok, _ := s.Del(b("a"), rec("DEL", "a")); ok {
		t.Fatal("Del missing = true")
	}
	if err := s.Flush(rec("FLUSHALL")); err != nil || s.Len() != 0 {
		t.Fatalf("Flush: %v, Len %d", err, s.Len())
	}
	if have, want := j.take(), []string{"MSET a 1 b 2 a 3", "DEL a", "FLUSHALL"}; !slices.Equal(have, want) {
		t.Fatalf("journal %q, want %q", have, want)
	}
}

func TestKeysAndScan(t *testing.T) {
	s, _, c := newTestStore(t)
	want := map[string]bool{}
	for i := range 1000 {
		k := fmt.Sprintf("user:%d", i)
		s.Set(b(k), b("x"), SetOptions{}, nil)
		want[k] = true
	}
	s.Set(b("other"), b("x"), SetOptions{}, nil)
	s.Set(b("user:gone"), b("x"), SetOptions{ExpireAt: c.now() + 1}, nil)
	c.add(1)

	keys := s.Keys("user:*")
	if len(keys) != 1000 {
		t.Fatalf("Keys returned %d keys, want 1000", len(keys))
	}
	if len(s.Keys("*")) != 1001 {
		t.Fatalf("Keys(*) = %d keys, want 1001", len(s.Keys("*")))
	}

	seen := map[string]bool{}
	cursor, calls := uint64(0), 0
	for {
		var batch []string
		cursor, batch = s.Scan(cursor, 10, "user:*")
		calls++
		for _, k := range batch {
			seen[k] = true
		}
		if cursor == 0 {
			break
		}
		if calls > NumShards+1 {
			t.Fatal("Scan does not terminate")
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("Scan saw %d keys, want %d", len(seen), len(want))
	}
	if next, batch := s.Scan(NumShards+5, 10, ""); next != 0 || batch != nil {
		t.Fatalf("Scan past the end = %d, %q", next, batch)
	}
}

func TestSweep(t *testing.T) {
	s, j, c := newTestStore(t)
	for i := range 5000 {
		s.Set(b(fmt.Sprint("t", i)), b("x"), SetOptions{ExpireAt: c.now() + 10}, nil)
	}
	for i := range 100 {
		s.Set(b(fmt.Sprint("p", i)), b("x"), SetOptions{}, nil)
	}
	if removed, _ := s.Sweep(time.Second); removed != 0 {
		t.Fatalf("Sweep removed %d live keys", removed)
	}
	c.add(10)
	total := 0
	for range 100 {
		removed, err := s.Sweep(time.Second)
		if err != nil {
			t.Fatal(err)
		}
		total += removed
		if s.Len() == 100 {
			break
		}
	}
	if s.Len() != 100 || total != 5000 || s.Volatile() != 0 {
		t.Fatalf("after sweeping: Len %d, removed %d, volatile %d", s.Len(), total, s.Volatile())
	}
	if n := len(j.take()); n != 5000 {
		t.Fatalf("%d journal records, want 5000 DELs", n)
	}
}

func TestSweepStopsOnJournalError(t *testing.T) {
	s, j, c := newTestStore(t)
	s.Set(b("k"), b("x"), SetOptions{ExpireAt: c.now() + 1}, nil)
	c.add(1)
	j.fail = errors.New("disk full")
	if _, err := s.Sweep(time.Second); err == nil {
		t.Fatal("Sweep hid the journal's error")
	}
	mustMiss(t, s, "k") // invisible though not yet removed
	if s.Len() != 1 {
		t.Fatalf("Len = %d: the key went without its DEL", s.Len())
	}
}

// Concurrent writers on shared keys: the journal's order must be the order
// in which writes took effect, so replaying it rebuilds the same values.
func TestJournalOrderMatchesStore(t *testing.T) {
	s, j, _ := newTestStore(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint("k", i%7)
				switch i % 3 {
				case 0:
					v := fmt.Sprint(w, "-", i)
					s.Set(b(k), b(v), SetOptions{}, rec("SET", k, v))
				case 1:
					s.Append(b(k), b("+"), rec("APPEND", k, "+"))
				case 2:
					s.MSet(rec(k, "m", "k0", "z"), nil, nil, rec("MSET", k, "m", "k0", "z"))
				}
				s.Get(b(k))
			}
		}()
	}
	wg.Wait()
	replayed := New(nil)
	for _, r := range j.take() {
		f := strings.Split(r, " ")
		switch f[0] {
		case "SET":
			replayed.Set(b(f[1]), b(f[2]), SetOptions{}, nil)
		case "APPEND":
			replayed.Append(b(f[1]), b(f[2]), nil)
		case "MSET":
			replayed.MSet(rec(f[1:]...), nil, nil, nil)
		}
	}
	for i := range 7 {
		k := fmt.Sprint("k", i)
		want, _ := s.Get(b(k))
		mustGet(t, replayed, k, string(want))
	}
}

func BenchmarkGet(b *testing.B) {
	s := New(nil)
	key := []byte("key:000123")
	s.Set(key, []byte("value"), SetOptions{}, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Get(key)
		}
	})
}

func BenchmarkSetExisting(b *testing.B) {
	s := New(nil)
	key, val := []byte("key:000123"), []byte("value")
	r := [][]byte{[]byte("SET"), key, val}
	b.ReportAllocs()
	for b.Loop() {
		s.Set(key, val, SetOptions{}, r)
	}
}

// Freed counts the large values the store lets go of: overwritten,
// deleted or flushed; small ones are not counted.
func TestFreedCountsLargeValues(t *testing.T) {
	s := New(nil)
	big := make([]byte, largeValue)
	for _, k := range []string{"a", "b", "c"} {
		if _, _, _, err := s.Set([]byte(k), big, SetOptions{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Set([]byte("small"), []byte("v"), SetOptions{}, nil)
	s.Set([]byte("a"), []byte("v"), SetOptions{}, nil) // overwrite
	s.Del([]byte("b"), nil)
	s.Flush(nil) // c, and the small ones
	if have, want := s.Freed(), int64(3*largeValue); have != want {
		t.Fatalf("Freed = %d, want %d", have, want)
	}
}

// TestIncrByFloatRefusesInfinity: a sum beyond float64's range is refused
// and leaves the value as it was.
func TestIncrByFloatRefusesInfinity(t *testing.T) {
	s := New(nil)
	if v, err := s.IncrByFloat([]byte("f"), 1.7e308, nil); err != nil || string(v) == "" {
		t.Fatalf("first: %q %v", v, err)
	}
	if _, err := s.IncrByFloat([]byte("f"), 1.7e308, nil); !errors.Is(err, ErrNaNOrInf) {
		t.Fatalf("second: %v, want ErrNaNOrInf", err)
	}
	if v, _, _ := s.GetString([]byte("f")); string(v) != string(FormatFloat(nil, 1.7e308)) {
		t.Fatalf("value changed to %q", v)
	}
}
