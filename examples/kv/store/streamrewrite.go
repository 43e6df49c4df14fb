package store

import (
	"bytes"

	"github.com/seamgo/seam/examples/kv/resp"
)

var (
	wordX  = []byte("x")
	wordY  = []byte("y")
	zeroID = []byte("0-1")
)

// appendRecords rebuilds the stream as Redis's rewriteStreamObject does:
// an XADD per entry (for an empty stream, one that MAXLEN 0 trims away),
// XSETID with its counters, then each group's XGROUP CREATE, an XCLAIM
// for each pending entry and XGROUP CREATECONSUMER for each consumer
// with none. Unlike Redis, a pending entry whose stream entry was deleted
// is kept: replayed, an XCLAIM ... FORCE takes it back (see XClaimArgs).
func (st *stream) appendRecords(d *dumpBuf, key string) {
	k := []byte(key)
	if st.length == 0 {
		d.record(wordXAdd, k, wordMaxLen, wordZero, zeroID, wordX, wordY)
	}
	args := make([][]byte, 0, 8)
	for _, n := range st.nodes {
		for _, e := range n.ents {
			args = append(args[:0], wordXAdd, k, e.ID.Bytes())
			d.record(append(args, e.Fields...)...)
		}
	}
	d.record(wordXSetID, k, st.lastID.Bytes(), wordEntriesAdded, intArg(st.entriesAdded), wordMaxDeletedID, st.maxDeleted.Bytes())
	for _, name := range st.groupNames() {
		g := st.groups[name]
		gn := []byte(name)
		d.record(wordXGroup, wordCreate, k, gn, g.lastID.Bytes(), wordEntriesRead, intArg(g.entriesRead))
		for _, cn := range g.consumerNames() {
			c := g.consumers[cn]
			cb := []byte(cn)
			if c.pel.len() == 0 {
				d.record(wordXGroup, wordCreateConsumer, k, gn, cb)
				continue
			}
			c.pel.each(StreamID{}, func(id StreamID, n *streamNack) bool {
				d.record(wordXClaim, k, gn, cb, wordZero, id.Bytes(), wordTime, intArg(n.delivered),
					wordRetryCount, intArg(n.count), wordJustID, wordForce)
				return true
			})
		}
	}
}

// applyRecord applies one record of appendRecords's, written under the
// empty key, to st: undump rebuilds a stream with it.
func (st *stream) applyRecord(args [][]byte, now int64) bool {
	word := func(i int, w []byte) bool { return i < len(args) && bytes.EqualFold(args[i], w) }
	id := func(i int) (StreamID, bool) {
		if i >= len(args) {
			return StreamID{}, false
		}
		return ParseStreamID(args[i], 0, true)
	}
	num := func(i int) (int64, bool) {
		if i >= len(args) {
			return 0, false
		}
		return resp.ParseInt(args[i])
	}
	switch {
	case word(0, wordXAdd) && len(args) == 7 && word(2, wordMaxLen):
		return len(args[1]) == 0 // the empty stream's XADD
	case word(0, wordXAdd):
		eid, ok := id(2)
		if !ok || len(args[1]) != 0 || len(args) < 5 || len(args)%2 == 0 || !st.lastID.Less(eid) {
			return false
		}
		fields := make([][]byte, len(args)-3)
		for i, f := range args[3:] {
			fields[i] = clone(f)
		}
		st.appendEntry(eid, fields, 100, 4096)
		return true
	case word(0, wordXSetID) && len(args) == 7:
		last, ok1 := id(2)
		added, ok2 := num(4)
		maxDel, ok3 := id(6)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		st.lastID, st.entriesAdded, st.maxDeleted = last, added, maxDel
		return true
	case word(0, wordXGroup) && word(1, wordCreate) && len(args) == 7:
		last, ok1 := id(4)
		read, ok2 := num(6)
		if !ok1 || !ok2 || st.lookupGroup(args[3]) != nil {
			return false
		}
		st.addGroup(args[3], last, read)
		return true
	case word(0, wordXGroup) && word(1, wordCreateConsumer) && len(args) == 5:
		g := st.groups[string(args[3])]
		if g == nil {
			return false
		}
		g.consumer(string(args[4]), now)
		return true
	case word(0, wordXClaim) && len(args) == 12:
		g := st.groups[string(args[2])]
		eid, ok1 := id(5)
		when, ok2 := num(7)
		count, ok3 := num(9)
		if g == nil || !ok1 || !ok2 || !ok3 {
			return false
		}
		c, _ := g.consumer(string(args[3]), now)
		g.deliver(eid, c, when, count)
		return true
	}
	return false
}
