package store

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// dumpSink collects what a rewrite dumps; it refers to no piece after
// Dump returns (it copies them), as the aof's sink does.
type dumpSink struct {
	out     []byte
	pieces  int
	refs    []*byte // first bytes of the pieces of resp.BigArg bytes or more
	discard bool
}

func (d *dumpSink) Dump(recs []byte) error {
	d.pieces++
	if len(recs) >= resp.BigArg {
		d.refs = append(d.refs, &recs[0])
	}
	if !d.discard {
		d.out = append(d.out, recs...)
	}
	return nil
}
func (d *dumpSink) Append(_ int, rec [][]byte, tail []byte) error               { return nil }
func (d *dumpSink) AppendRecords(_ int, recs [][][]byte, tail [][][]byte) error { return nil }
func (d *dumpSink) Finish() error                                               { return nil }

// splitRecords cuts b, RESP records back to back, into one string per
// record, sorted: a dump's keys come in map order.
func splitRecords(t *testing.T, b []byte) []string {
	t.Helper()
	r := resp.NewReader(bytes.NewReader(b), resp.Options{})
	defer r.Release()
	var out []string
	for r.Offset() < int64(len(b)) {
		args, err := r.ReadCommand()
		if err != nil {
			t.Fatalf("reading the dump at %d: %v", r.Offset(), err)
		}
		out = append(out, string(resp.AppendCommand(nil, args...)))
	}
	slices.Sort(out)
	return out
}

// A dump of big values (strings, one with an expiry, one APPENDed to with
// spare capacity, a list item, a hash value) has the records the copying
// dump made, resp.AppendCommand's bytes, and hands the stored values
// themselves to the sink rather than copies.
func TestRewriteDumpsBigValuesByReference(t *testing.T) {
	s, _, clk := newTestStore(t)
	big := func(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }
	v1, v2 := big(1<<20, 'a'), big(resp.BigArg, 'b')
	grown := make([]byte, resp.BigArg, 2*resp.BigArg)
	copy(grown, big(resp.BigArg, 'c'))
	if _, _, _, err := s.Set(b("s1"), v1, SetOptions{Owned: true}, rec("SET", "s1", "v")); err != nil {
		t.Fatal(err)
	}
	exp := clk.now() + 100000
	if _, _, _, err := s.Set(b("s2"), v2, SetOptions{Owned: true, ExpireAt: exp}, rec("SET", "s2", "v")); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Set(b("s3"), grown, SetOptions{Owned: true}, rec("SET", "s3", "v")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(b("s3"), b("tail"), rec("APPEND", "s3", "tail")); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Set(b("small"), b("1"), SetOptions{}, rec("SET", "small", "1")); err != nil {
		t.Fatal(err)
	}
	item, hval := big(resp.BigArg+1, 'l'), big(2*resp.BigArg, 'h')
	if _, err := s.Push(b("l"), [][]byte{item}, false, rec("RPUSH", "l", "v")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HSet(b("h"), [][]byte{b("f"), hval}, rec("HSET", "h", "f", "v")); err != nil {
		t.Fatal(err)
	}
	var sink dumpSink
	if err := s.Rewrite(context.Background(), &sink); err != nil {
		t.Fatal(err)
	}
	s3 := append(bytes.Clone(grown), "tail"...)
	var want []byte
	for _, r := range [][][]byte{
		{b("SELECT"), b("0")},
		{b("SET"), b("s1"), v1},
		{b("SET"), b("s2"), v2, b("PXAT"), []byte(itoa(exp))},
		{b("SET"), b("s3"), s3},
		{b("SET"), b("small"), b("1")},
		{b("RPUSH"), b("l"), item},
		{b("HSET"), b("h"), b("f"), hval},
	} {
		want = resp.AppendCommand(want, r...)
	}
	if got, w := splitRecords(t, sink.out), splitRecords(t, want); !slices.Equal(got, w) {
		t.Fatalf("the dump's records differ from resp.AppendCommand's (%d records, want %d)", len(got), len(w))
	}
	if len(sink.out) != len(want) {
		t.Fatalf("dumped %d bytes, want %d", len(sink.out), len(want))
	}
	// The stored values reach the sink themselves (s3's APPEND made a
	// slice of its own within grown's capacity, starting at grown[0]).
	// The list's item and the hash's value are the store's copies.
	for _, p := range []*byte{&v1[0], &v2[0], &grown[0]} {
		if !slices.Contains(sink.refs, p) {
			t.Errorf("a stored value was copied, not referenced: refs %v", sink.refs)
		}
	}
	if len(sink.refs) != 5 {
		t.Errorf("%d big pieces dumped, want 5 (three strings, an item, a value)", len(sink.refs))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Dumping a 1 MB value does not copy it: the rewrite allocates far less
// than the value's size.
func TestRewriteDumpOfBigValueAllocatesLittle(t *testing.T) {
	s, _, _ := newTestStore(t)
	v := bytes.Repeat([]byte{'x'}, 1<<20)
	if _, _, _, err := s.Set(b("k"), v, SetOptions{Owned: true}, rec("SET", "k", "v")); err != nil {
		t.Fatal(err)
	}
	sink := &dumpSink{discard: true}
	if err := s.Rewrite(context.Background(), sink); err != nil { // warm up
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 4
	for range runs {
		if err := s.Rewrite(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
		t.Fatalf("a rewrite of one 1 MB value allocated %d bytes, want under 64 KiB", per)
	}
}

// tailSink is a dumpSink that, at its first Dump, runs during (the shard
// just dumped is unlocked then), and keeps the tails it is given.
type tailSink struct {
	dumpSink
	during func()
	tails  [][][]byte
}

func (d *tailSink) Dump(recs []byte) error {
	if f := d.during; f != nil {
		d.during = nil
		f()
	}
	return d.dumpSink.Dump(recs)
}

func (d *tailSink) AppendRecords(_ int, recs [][][]byte, tail [][][]byte) error {
	d.tails = append(d.tails, tail...)
	return nil
}

// A write to a dumped key during a rewrite hands its record itself to the
// sink's tail, arguments and all, not a copy made with resp.AppendCommand.
func TestRewriteTailIsTheRecord(t *testing.T) {
	s, _, _ := newTestStore(t)
	if _, _, _, err := s.Set(b("k"), b("1"), SetOptions{}, rec("SET", "k", "1")); err != nil {
		t.Fatal(err)
	}
	v := bytes.Repeat([]byte{'v'}, resp.BigArg)
	r := [][]byte{b("SET"), b("k"), v}
	sink := &tailSink{}
	sink.during = func() {
		if _, _, _, err := s.Set(b("k"), v, SetOptions{Owned: true}, r); err != nil {
			t.Error(err)
		}
	}
	if err := s.Rewrite(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.tails) != 1 || len(sink.tails[0]) != 3 || &sink.tails[0][2][0] != &v[0] {
		t.Fatalf("tails %d, want the SET's record itself", len(sink.tails))
	}
}
