package store

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestParseStreamID(t *testing.T) {
	for _, tc := range []struct {
		in     string
		strict bool
		want   StreamID
		ok     bool
	}{
		{"1-2", true, StreamID{1, 2}, true},
		{"5", true, StreamID{5, 0}, true},
		{"-", false, StreamID{}, true},
		{"+", false, MaxStreamID, true},
		{"-", true, StreamID{}, false},
		{"18446744073709551615-18446744073709551615", true, MaxStreamID, true},
		{"18446744073709551616", true, StreamID{}, false},
		{"-1", true, StreamID{}, false},
		{"+7", true, StreamID{7, 0}, true}, // as strtoull reads it
		{"007-01", true, StreamID{7, 1}, true},
		{"1-", true, StreamID{}, false},
		{"1-*", true, StreamID{}, false},
		{"a", true, StreamID{}, false},
		{"", true, StreamID{}, false},
	} {
		id, ok := ParseStreamID([]byte(tc.in), 0, tc.strict)
		if ok != tc.ok || ok && id != tc.want {
			t.Errorf("%q: have %v %v, want %v %v", tc.in, id, ok, tc.want, tc.ok)
		}
	}
	if id, seq, ok := ParseAddID([]byte("3-*")); !ok || seq || id.Ms != 3 {
		t.Errorf("3-*: %v %v %v", id, seq, ok)
	}
}

// idList keeps its IDs in order through inserts anywhere, splits and
// deletions, as a sorted slice would.
func TestIDList(t *testing.T) {
	var l idList[int]
	var want []StreamID
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		id := StreamID{uint64(rng.IntN(3000)), uint64(rng.IntN(3))}
		if rng.IntN(3) == 0 {
			j, found := slices.BinarySearchFunc(want, id, StreamID.Compare)
			if l.del(id) != found {
				t.Fatalf("del %v: found %v", id, !found)
			}
			if found {
				want = slices.Delete(want, j, j+1)
			}
			continue
		}
		l.set(id, i)
		if j, found := slices.BinarySearchFunc(want, id, StreamID.Compare); !found {
			want = slices.Insert(want, j, id)
		}
	}
	var have []StreamID
	l.each(StreamID{}, func(id StreamID, _ int) bool { have = append(have, id); return true })
	if !slices.Equal(have, want) || l.len() != len(want) {
		t.Fatalf("have %d IDs, want %d", len(have), len(want))
	}
	for _, c := range l.chunks {
		if len(c) == 0 || len(c) > idChunkMax {
			t.Fatalf("a chunk of %d", len(c))
		}
	}
}

// A stream opens a node every stream-node-max-entries entries, deleted
// ones counted as Redis counts them; ranges run both ways across nodes;
// an approximate trim removes whole nodes only, an exact one down to the
// length asked.
func TestStreamNodesAndTrim(t *testing.T) {
	st := newStream()
	for i := 1; i <= 25; i++ {
		st.appendEntry(StreamID{uint64(i), 0}, [][]byte{[]byte("f"), []byte("v")}, 10, 4096)
	}
	if len(st.nodes) != 3 || st.length != 25 {
		t.Fatalf("%d nodes, %d entries", len(st.nodes), st.length)
	}
	st.remove(StreamID{25, 0})
	st.appendEntry(StreamID{26, 0}, [][]byte{[]byte("f"), []byte("v")}, 10, 4096)
	if n := len(st.nodes[2].ents); n != 5 {
		t.Fatalf("the last node holds %d entries, want 5 (a deleted one still counts)", n)
	}
	rev := st.rangeOf(StreamID{8, 0}, StreamID{12, 0}, 0, true)
	if len(rev) != 5 || rev[0].ID.Ms != 12 || rev[4].ID.Ms != 8 {
		t.Fatalf("reverse range: %v", rev)
	}
	if fwd := st.rangeOf(StreamID{9, 0}, MaxStreamID, 3, false); len(fwd) != 3 || fwd[0].ID.Ms != 9 {
		t.Fatalf("forward range: %v", fwd)
	}
	nodes, partial, deleted := st.trimPlan(TrimArgs{Strategy: TrimMaxLen, MaxLen: 13, Approx: true})
	if nodes != 1 || partial != 0 || deleted != 10 {
		t.Fatalf("~ trim to 13: %d nodes, %d more, %d in all", nodes, partial, deleted)
	}
	nodes, partial, deleted = st.trimPlan(TrimArgs{Strategy: TrimMaxLen, MaxLen: 13})
	if nodes != 1 || partial != 2 || deleted != 12 {
		t.Fatalf("= trim to 13: %d nodes, %d more, %d in all", nodes, partial, deleted)
	}
	st.trimApply(nodes, partial)
	if st.length != 13 || st.firstID() != (StreamID{13, 0}) {
		t.Fatalf("after the trim: %d entries from %v", st.length, st.firstID())
	}
	if _, _, d := st.trimPlan(TrimArgs{Strategy: TrimMinID, MinID: StreamID{20, 0}, Limit: 5}); d != 0 {
		t.Fatalf("a LIMIT below a node's entries removed %d", d)
	}
}

// An XADD the journal refuses leaves the stream as it was: its node's
// size estimate, and its last ID even when the node's last entry had been
// deleted (the last ID is the last appended, deleted or not).
func TestRefusedXAddUnappends(t *testing.T) {
	s, j, _ := newTestStore(t)
	for i := 1; i <= 3; i++ {
		if _, err := s.XAdd(b("x"), XAddArgs{ID: StreamID{Ms: uint64(i)}, IDGiven: true, SeqGiven: true}, [][]byte{b("f"), b("v")}, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.XDel(b("x"), []StreamID{{Ms: 3}}, rec("XDEL", "x", "3-0")); err != nil {
		t.Fatal(err)
	}
	var before streamNode
	if _, err := s.readStream(b("x"), func(st *stream) { before = *st.nodes[len(st.nodes)-1] }); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	j.fail = errJournalBroke
	j.mu.Unlock()
	if _, err := s.XAdd(b("x"), XAddArgs{ID: StreamID{Ms: 4}, IDGiven: true, SeqGiven: true}, [][]byte{b("f"), b("v")}, true); !errors.Is(err, errJournalBroke) {
		t.Fatalf("XAdd with a broken journal: %v", err)
	}
	var after streamNode
	if _, err := s.readStream(b("x"), func(st *stream) { after = *st.nodes[len(st.nodes)-1] }); err != nil {
		t.Fatal(err)
	}
	if after.last != before.last || after.bytes != before.bytes || after.slots != before.slots || len(after.ents) != len(before.ents) {
		t.Fatalf("after the refused XADD the node is last %v, %d bytes, %d slots, %d entries; want %v, %d, %d, %d",
			after.last, after.bytes, after.slots, len(after.ents), before.last, before.bytes, before.slots, len(before.ents))
	}
}

// A copy of a stream shares no group, consumer or pending entry with the
// original.
func TestStreamCloneIsDeep(t *testing.T) {
	st := newStream()
	st.appendEntry(StreamID{1, 0}, [][]byte{[]byte("f"), []byte("v")}, 100, 4096)
	g := &streamGroup{}
	st.groups = map[string]*streamGroup{"g": g}
	c, _ := g.consumer("alice", 1)
	n := &streamNack{delivered: 1, count: 1, owner: c}
	g.pel.set(StreamID{1, 0}, n)
	c.pel.set(StreamID{1, 0}, n)
	cp := st.clone().(*stream)
	g.ack(StreamID{1, 0})
	g.delConsumer(c)
	cg := cp.groups["g"]
	if cg.pel.len() != 1 || cg.consumers["alice"] == nil || cg.consumers["alice"].pel.len() != 1 {
		t.Fatal("the copy lost what the original let go of")
	}
	if cn, _ := cg.pel.get(StreamID{1, 0}); cn.owner != cg.consumers["alice"] {
		t.Fatal("the copy's pending entry points at the original's consumer")
	}
}

// An XREADGROUP journals a claim per entry it delivers and the group's new
// last ID. A journal that breaks between two of those records must not be
// left holding the first ones: the read is refused, so a replay must not
// find part of it in the file.
func TestXReadGroupJournalsAllOrNothing(t *testing.T) {
	s, j, _ := newTestStore(t)
	for i := range 3 {
		id := StreamID{Ms: uint64(i + 1)}
		if _, err := s.XAdd(b("x"), XAddArgs{ID: id, IDGiven: true, SeqGiven: true}, [][]byte{b("f"), b("v")}, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.XGroupCreate(b("x"), b("g"), StreamID{}, false, false, -1, rec("XGROUP", "CREATE", "x", "g", "0")); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.XReadGroup(b("x"), XReadGroupArgs{Group: b("g"), Consumer: b("c")}, true); err != nil {
		t.Fatal(err) // creates the consumer, delivers nothing
	}
	j.take()

	left := 2 // fewer than the 3 claims and the SETID the read journals
	j.mu.Lock()
	j.breakAfter = &left
	j.mu.Unlock()
	_, _, _, err := s.XReadGroup(b("x"), XReadGroupArgs{Group: b("g"), Consumer: b("c"), New: true}, true)
	if !errors.Is(err, errJournalBroke) {
		t.Fatalf("XReadGroup with a broken journal: err %v, want %v", err, errJournalBroke)
	}
	if have := j.take(); len(have) != 0 {
		t.Errorf("the refused read left %d records in the journal: %q", len(have), have)
	}
	sum, err := s.XPendingSummary(b("x"), b("g"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count != 0 {
		t.Errorf("the refused read left %d entries pending, want 0", sum.Count)
	}
}
