package store

import (
	"maps"
	"slices"
	"sort"
)

// StreamEntry is one entry of a stream: its ID and its fields and values,
// field, value, field, value... The slices are the stored ones, never
// changed once stored.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// stream is Redis's stream: entries in ID order, kept in nodes as Redis
// keeps them in listpacks (a new node when the last one holds
// stream-node-max-entries entries, deleted ones counted, or would pass
// stream-node-max-bytes), so that XADD appends in constant time, a range
// costs a binary search and its entries, and XDEL shifts one node; plus
// the consumer groups. A stream may be empty: it lives until it is
// deleted, as in Redis.
type stream struct {
	nodes        []*streamNode
	length       int64
	lastID       StreamID
	entriesAdded int64
	maxDeleted   StreamID
	bytes        int64
	groups       map[string]*streamGroup
}

type streamNode struct {
	ents  []StreamEntry
	slots int      // entries ever appended, those deleted since counted
	bytes int      // an estimate of the listpack's size
	last  StreamID // the last ID appended, deleted or not
}

// streamGroup is a consumer group.
type streamGroup struct {
	lastID      StreamID
	entriesRead int64 // -1: not known
	pel         idList[*streamNack]
	consumers   map[string]*streamConsumer
}

type streamConsumer struct {
	name string
	seen int64 // unix milliseconds
	pel  idList[*streamNack]
}

// streamNack is a pending entry: delivered to owner, not yet
// acknowledged.
type streamNack struct {
	delivered int64 // unix milliseconds of the last delivery
	count     int64
	owner     *streamConsumer
}

func newStream() *stream { return &stream{} }

func (st *stream) kind() Kind { return KindStream }
func (st *stream) size() int  { return int(st.length) }
func (st *stream) usage() int64 {
	n := st.bytes + int64(len(st.nodes))*64 + int64(st.length)*elemOverhead
	for name, g := range st.groups {
		n += int64(len(name)) + 96 + int64(g.pel.len())*64
		for cn := range g.consumers {
			n += int64(len(cn)) + 64
		}
	}
	return n
}

// entryBytes estimates what an entry adds to a listpack: its values, its
// fields unless they are the node's first entry's, and a few bytes of
// flags, ID deltas and lengths for each element.
func entryBytes(first, fields [][]byte) int {
	same := len(first) == len(fields)
	for i := 0; same && i < len(fields); i += 2 {
		same = string(first[i]) == string(fields[i])
	}
	n := 8
	for i, f := range fields {
		if i%2 == 1 || !same {
			n += len(f) + 2
		}
	}
	return n
}

// appendEntry adds an entry with id, which must be after lastID, opening
// a new node as Redis opens a new listpack; it reports whether it did, so
// that unappend can take it back.
func (st *stream) appendEntry(id StreamID, fields [][]byte, maxEntries, maxBytes int64) appended {
	total := 0
	for _, f := range fields {
		total += len(f)
	}
	var n *streamNode
	if len(st.nodes) > 0 {
		n = st.nodes[len(st.nodes)-1]
		if maxBytes <= 0 || maxBytes > 1<<30 {
			maxBytes = 1 << 30
		}
		if int64(n.bytes+total) >= maxBytes || maxEntries > 0 && int64(n.slots) >= maxEntries {
			n = nil
		}
	}
	var was appended
	if n == nil {
		n = &streamNode{bytes: 16}
		for i := 0; i < len(fields); i += 2 {
			n.bytes += len(fields[i]) + 2 // the master entry's fields
		}
		st.nodes = append(st.nodes, n)
		was.newNode = true
	} else {
		was.last, was.bytes = n.last, n.bytes
	}
	master := fields
	if len(n.ents) > 0 {
		master = n.ents[0].Fields
	}
	n.bytes += entryBytes(master, fields)
	n.ents = append(n.ents, StreamEntry{ID: id, Fields: fields})
	n.slots++
	n.last = id
	st.length++
	st.entriesAdded++
	st.lastID = id
	st.bytes += int64(total)
	return was
}

// appended is what appendEntry changed in the node it appended to, for
// unappend to put back: whether it was new, else its last ID and size
// estimate before. The last ID is not the last entry's when that entry
// was deleted, so it cannot be worked out again.
type appended struct {
	newNode bool
	last    StreamID
	bytes   int
}

// unappend takes back the entry appendEntry added last, as was says, in a
// stream whose lastID was prev before.
func (st *stream) unappend(was appended, prev StreamID) {
	n := st.nodes[len(st.nodes)-1]
	e := n.ents[len(n.ents)-1]
	for _, f := range e.Fields {
		st.bytes -= int64(len(f))
	}
	if was.newNode {
		st.nodes[len(st.nodes)-1] = nil
		st.nodes = st.nodes[:len(st.nodes)-1]
	} else {
		n.ents[len(n.ents)-1] = StreamEntry{}
		n.ents = n.ents[:len(n.ents)-1]
		n.slots--
		n.last, n.bytes = was.last, was.bytes
	}
	st.length--
	st.entriesAdded--
	st.lastID = prev
}

// seek returns the position of the first entry whose ID is id or after:
// the node's index and the entry's within it; ni == len(st.nodes) past
// the end.
func (st *stream) seek(id StreamID) (ni, ei int) {
	ni = sort.Search(len(st.nodes), func(k int) bool {
		e := st.nodes[k].ents
		return !e[len(e)-1].ID.Less(id)
	})
	if ni == len(st.nodes) {
		return ni, 0
	}
	e := st.nodes[ni].ents
	return ni, sort.Search(len(e), func(k int) bool { return !e[k].ID.Less(id) })
}

func (st *stream) entry(id StreamID) (StreamEntry, bool) {
	ni, ei := st.seek(id)
	if ni < len(st.nodes) && st.nodes[ni].ents[ei].ID == id {
		return st.nodes[ni].ents[ei], true
	}
	return StreamEntry{}, false
}

func (st *stream) has(id StreamID) bool {
	_, ok := st.entry(id)
	return ok
}

// rangeOf returns the entries from start to end inclusive, at most count
// of them (0: all), from the end backwards if rev.
func (st *stream) rangeOf(start, end StreamID, count int, rev bool) []StreamEntry {
	var out []StreamEntry
	if end.Less(start) {
		return out
	}
	if !rev {
		ni, ei := st.seek(start)
		for ; ni < len(st.nodes); ni, ei = ni+1, 0 {
			for _, e := range st.nodes[ni].ents[ei:] {
				if end.Less(e.ID) || count > 0 && len(out) == count {
					return out
				}
				out = append(out, e)
			}
		}
		return out
	}
	ni, ei := st.seek(end)
	if ni < len(st.nodes) && st.nodes[ni].ents[ei].ID == end {
		ei++
	}
	for { // (ni, ei) is just past the next entry to give
		if ni == len(st.nodes) || ei == 0 {
			if ni--; ni < 0 {
				return out
			}
			ei = len(st.nodes[ni].ents)
			continue
		}
		ei--
		e := st.nodes[ni].ents[ei]
		if e.ID.Less(start) || count > 0 && len(out) == count {
			return out
		}
		out = append(out, e)
	}
}

// firstID is the ID of the first entry, 0-0 if there is none: Redis's
// recorded first entry ID, which it keeps equal to that.
func (st *stream) firstID() StreamID {
	if len(st.nodes) == 0 {
		return StreamID{}
	}
	return st.nodes[0].ents[0].ID
}

// lastValidID is the ID of the last entry, 0-0 if there is none.
func (st *stream) lastValidID() StreamID {
	if len(st.nodes) == 0 {
		return StreamID{}
	}
	e := st.nodes[len(st.nodes)-1].ents
	return e[len(e)-1].ID
}

// remove deletes the entry with id and reports whether it was there; it
// does not touch maxDeleted (XDEL does, trimming does not).
func (st *stream) remove(id StreamID) bool {
	ni, ei := st.seek(id)
	if ni == len(st.nodes) || st.nodes[ni].ents[ei].ID != id {
		return false
	}
	st.removeAt(ni, ei)
	return true
}

func (st *stream) removeAt(ni, ei int) {
	n := st.nodes[ni]
	for _, f := range n.ents[ei].Fields {
		st.bytes -= int64(len(f))
	}
	n.ents = slices.Delete(n.ents, ei, ei+1)
	st.length--
	if len(n.ents) == 0 {
		st.nodes = slices.Delete(st.nodes, ni, ni+1)
	}
}

// TrimStrategy is how XADD and XTRIM trim a stream.
type TrimStrategy uint8

// The trim strategies.
const (
	TrimNone   TrimStrategy = iota
	TrimMaxLen              // MAXLEN: keep at most MaxLen entries
	TrimMinID               // MINID: keep no entry before MinID
)

// TrimArgs are XADD's and XTRIM's trimming options.
type TrimArgs struct {
	Strategy TrimStrategy
	MaxLen   int64
	MinID    StreamID
	// Approx removes only whole nodes (~).
	Approx bool
	// Limit is the most entries one trim removes, 0 for no limit.
	Limit int64
}

// trimPlan works out what a trim removes, as Redis's streamTrim: whole
// nodes from the head, then, unless approx, entries of the next node; it
// changes nothing. nodes is how many whole nodes go, partial how many
// entries of the next one, deleted the total.
func (st *stream) trimPlan(a TrimArgs) (nodes, partial int, deleted int64) {
	if a.Strategy == TrimNone {
		return 0, 0, 0
	}
	length := st.length
	for _, n := range st.nodes {
		if a.Strategy == TrimMaxLen && length <= a.MaxLen {
			break
		}
		entries := int64(len(n.ents))
		if a.Limit > 0 && deleted+entries > a.Limit {
			break
		}
		var whole bool
		if a.Strategy == TrimMaxLen {
			whole = length-entries >= a.MaxLen
		} else {
			whole = n.last.Less(a.MinID)
		}
		if whole {
			nodes++
			length -= entries
			deleted += entries
			continue
		}
		if a.Approx {
			break
		}
		for _, e := range n.ents {
			if a.Strategy == TrimMaxLen && length <= a.MaxLen ||
				a.Strategy == TrimMinID && !e.ID.Less(a.MinID) {
				break
			}
			partial++
			length--
		}
		deleted += int64(partial)
		break
	}
	return nodes, partial, deleted
}

// trimApply removes what trimPlan said.
func (st *stream) trimApply(nodes, partial int) {
	for _, n := range st.nodes[:nodes] {
		for _, e := range n.ents {
			for _, f := range e.Fields {
				st.bytes -= int64(len(f))
			}
		}
		st.length -= int64(len(n.ents))
	}
	clear(st.nodes[:nodes])
	st.nodes = st.nodes[nodes:]
	for range partial {
		st.removeAt(0, 0)
	}
}

// lookupGroup returns the group called name, nil if there is none.
func (st *stream) lookupGroup(name []byte) *streamGroup {
	return st.groups[string(name)]
}

// addGroup adds the group called name, which must be missing, with last
// delivered ID lastID and entries-read counter entriesRead.
func (st *stream) addGroup(name []byte, lastID StreamID, entriesRead int64) {
	if st.groups == nil {
		st.groups = make(map[string]*streamGroup)
	}
	st.groups[string(name)] = &streamGroup{lastID: lastID, entriesRead: entriesRead}
}

// groupNames and consumerNames are sorted, as Redis's radix trees list
// them.
func (st *stream) groupNames() []string { return slices.Sorted(maps.Keys(st.groups)) }

func (g *streamGroup) consumerNames() []string { return slices.Sorted(maps.Keys(g.consumers)) }

// rangeHasTombstones reports whether an entry between start and the end
// may have been deleted, as Redis's streamRangeHasTombstones.
func (st *stream) rangeHasTombstones(start StreamID) bool {
	if st.length == 0 || st.maxDeleted.IsZero() {
		return false
	}
	if st.maxDeleted.Less(st.firstID()) {
		return false
	}
	return !st.maxDeleted.Less(start)
}

// distanceFromFirst is Redis's streamEstimateDistanceFromFirstEverEntry:
// the entries-read counter of id, or -1 when it cannot be known.
func (st *stream) distanceFromFirst(id StreamID) int64 {
	if st.entriesAdded == 0 {
		return 0
	}
	if st.length == 0 && id.Compare(st.lastID) < 1 {
		return st.entriesAdded
	}
	switch c := id.Compare(st.lastID); {
	case c == 0:
		return st.entriesAdded
	case c > 0:
		return -1
	}
	first := st.firstID()
	if st.maxDeleted.IsZero() || st.maxDeleted.Less(first) {
		switch id.Compare(first) {
		case -1:
			return st.entriesAdded - st.length
		case 0:
			return st.entriesAdded - st.length + 1
		}
	}
	return -1
}

// lag is a group's lag, and false when it cannot be known (Redis's null).
func (st *stream) lag(g *streamGroup) (int64, bool) {
	if st.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != -1 && !st.rangeHasTombstones(g.lastID) {
		return st.entriesAdded - g.entriesRead, true
	}
	if read := st.distanceFromFirst(g.lastID); read != -1 {
		return st.entriesAdded - read, true
	}
	return 0, false
}

// advance moves g's last delivered ID to id, keeping its entries-read
// counter, as streamReplyWithRange does for each entry it delivers.
func (st *stream) advance(g *streamGroup, id StreamID) {
	if !g.lastID.Less(id) {
		return
	}
	switch {
	case g.entriesRead != -1 && !st.rangeHasTombstones(id):
		g.entriesRead++
	case st.entriesAdded != 0:
		g.entriesRead = st.distanceFromFirst(id)
	}
	g.lastID = id
}

// clone copies the stream deeply: entries are shared (never changed once
// stored), nodes, groups, consumers and pending entries are new.
func (st *stream) clone() object {
	c := *st
	c.nodes = make([]*streamNode, len(st.nodes))
	for i, n := range st.nodes {
		cn := *n
		cn.ents = slices.Clone(n.ents)
		c.nodes[i] = &cn
	}
	if st.groups != nil {
		c.groups = make(map[string]*streamGroup, len(st.groups))
		for name, g := range st.groups {
			cg := &streamGroup{lastID: g.lastID, entriesRead: g.entriesRead,
				consumers: make(map[string]*streamConsumer, len(g.consumers))}
			for cname, cons := range g.consumers {
				cc := &streamConsumer{name: cons.name, seen: cons.seen}
				cg.consumers[cname] = cc
				cons.pel.each(StreamID{}, func(id StreamID, n *streamNack) bool {
					nn := &streamNack{delivered: n.delivered, count: n.count, owner: cc}
					cc.pel.set(id, nn)
					cg.pel.set(id, nn)
					return true
				})
			}
			c.groups[name] = cg
		}
	}
	return &c
}

// delConsumer removes a consumer and its pending entries from g.
func (g *streamGroup) delConsumer(c *streamConsumer) {
	c.pel.each(StreamID{}, func(id StreamID, _ *streamNack) bool {
		g.pel.del(id)
		return true
	})
	delete(g.consumers, c.name)
}

// ack removes the pending entry id of g, from its owner's list too.
func (g *streamGroup) ack(id StreamID) bool {
	n, ok := g.pel.get(id)
	if !ok {
		return false
	}
	g.pel.del(id)
	if n.owner != nil {
		n.owner.pel.del(id)
	}
	return true
}

// claim gives the pending entry n (of g's list, under id) to c.
func (g *streamGroup) claim(id StreamID, n *streamNack, c *streamConsumer) {
	if n.owner == c {
		return
	}
	if n.owner != nil {
		n.owner.pel.del(id)
	}
	n.owner = c
	c.pel.set(id, n)
}

// deliver makes id pending for c, delivered at when, count times: id's
// pending entry in g moves to c, or a new one is made.
func (g *streamGroup) deliver(id StreamID, c *streamConsumer, when, count int64) {
	n, ok := g.pel.get(id)
	if !ok {
		n = &streamNack{}
		g.pel.set(id, n)
	}
	g.claim(id, n, c)
	n.delivered, n.count = when, count
}

// consumer returns the consumer called name, created with seen time now
// if it is missing; created says whether it was.
func (g *streamGroup) consumer(name string, now int64) (c *streamConsumer, created bool) {
	if c = g.consumers[name]; c != nil {
		return c, false
	}
	c = &streamConsumer{name: name, seen: now}
	if g.consumers == nil {
		g.consumers = make(map[string]*streamConsumer)
	}
	g.consumers[name] = c
	return c, true
}
