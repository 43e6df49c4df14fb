package store

// lockGroup is lockStream for a command on a consumer group: noKey when
// key is missing (XGROUP's ErrNoStream, the others' ErrNoGroup),
// ErrNoGroup when the group is.
func (s *Store) lockGroup(key, group []byte, noKey error) (*shard, *stream, *streamGroup, error) {
	sh, _, st, err := s.lockStream(key)
	if err != nil {
		return sh, nil, nil, err
	}
	if st == nil {
		return sh, nil, nil, noKey
	}
	g := st.lookupGroup(group)
	if g == nil {
		return sh, st, nil, ErrNoGroup
	}
	return sh, st, g, nil
}

// XGroupCreate creates group on key's stream with last delivered ID id
// (the stream's last ID if dollar) and entries-read counter entriesRead
// (-1: unknown), creating an empty stream if key is missing and mkstream
// is set; it journals rec, and reports whether it created the stream.
func (s *Store) XGroupCreate(key, group []byte, id StreamID, dollar, mkstream bool, entriesRead int64, rec [][]byte) (created bool, err error) {
	sh, e, st, err := s.lockStream(key)
	defer sh.mu.Unlock()
	if err != nil {
		return false, err
	}
	if st == nil {
		if !mkstream {
			return false, ErrNoStream
		}
		st = newStream()
	}
	if dollar {
		id = st.lastID
	}
	if st.lookupGroup(group) != nil {
		return false, ErrBusyGroup
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	if e == nil {
		s.added(sh.addObject(key, st))
	}
	st.addGroup(group, id, entriesRead)
	return e == nil, nil
}

// XGroupSetID sets group's last delivered ID (the stream's last ID if
// dollar) and entries-read counter, journalling rec.
func (s *Store) XGroupSetID(key, group []byte, id StreamID, dollar bool, entriesRead int64, rec [][]byte) error {
	sh, st, g, err := s.lockGroup(key, group, ErrNoStream)
	defer sh.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.record(sh, rec); err != nil {
		return err
	}
	if dollar {
		id = st.lastID
	}
	g.lastID, g.entriesRead = id, entriesRead
	return nil
}

// XGroupDestroy removes group, journalling rec, and reports whether it
// was there.
func (s *Store) XGroupDestroy(key, group []byte, rec [][]byte) (bool, error) {
	sh, st, _, err := s.lockGroup(key, group, ErrNoStream)
	defer sh.mu.Unlock()
	switch {
	case err == ErrNoGroup:
		return false, nil
	case err != nil:
		return false, err
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	delete(st.groups, string(group))
	return true, nil
}

// XGroupCreateConsumer adds consumer to group, journalling rec, and
// reports whether it is new.
func (s *Store) XGroupCreateConsumer(key, group, consumer []byte, rec [][]byte) (bool, error) {
	sh, _, g, err := s.lockGroup(key, group, ErrNoStream)
	defer sh.mu.Unlock()
	if err != nil {
		return false, err
	}
	if g.consumers[string(consumer)] != nil {
		return false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	g.consumer(string(consumer), s.now())
	return true, nil
}

// XGroupDelConsumer removes consumer and its pending entries from group,
// journalling rec, and returns how many entries it had pending and
// whether it was there.
func (s *Store) XGroupDelConsumer(key, group, consumer []byte, rec [][]byte) (int64, bool, error) {
	sh, _, g, err := s.lockGroup(key, group, ErrNoStream)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, false, err
	}
	c := g.consumers[string(consumer)]
	if c == nil {
		return 0, false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return 0, false, err
	}
	n := int64(c.pel.len())
	g.delConsumer(c)
	return n, true, nil
}

// XGroupCheck returns ErrNoGroup if key or its group is missing,
// ErrWrongType if key is not a stream: XREADGROUP's check of every key
// before it reads any.
func (s *Store) XGroupCheck(key, group []byte) error {
	return s.readGroup(key, group, ErrNoGroup, func(*streamGroup) {})
}

// XReadGroupArgs are what XREADGROUP reads from one stream.
type XReadGroupArgs struct {
	Group, Consumer []byte
	// After is the ID after which the consumer's own pending entries are
	// read again; with New, entries never delivered to the group (>).
	After StreamID
	New   bool
	Count int // 0: all
	NoAck bool
	// SinceLast serves a blocked XREADGROUP: ok once the stream's last ID
	// is past the group's, even with no entry to give.
	SinceLast bool
}

// XReadGroup reads key's stream for a consumer of a group, as XREADGROUP
// does: its pending entries after a.After (an entry deleted since comes
// with nil Fields), or the entries after the group's last delivered ID,
// which the group then owes the consumer unless a.NoAck. ok is false
// when there was nothing to serve (a > with nothing new). If journal is
// set it journals what it did: XGROUP CREATECONSUMER for a consumer it
// created, an XCLAIM for each entry delivered, and an XGROUP SETID with
// the group's entries-read counter when it moved the group on. created
// says whether it created the consumer.
func (s *Store) XReadGroup(key []byte, a XReadGroupArgs, journal bool) (ents []StreamEntry, ok, created bool, err error) {
	sh, st, g, err := s.lockGroup(key, a.Group, ErrNoGroup)
	defer sh.mu.Unlock()
	if err != nil {
		return nil, false, false, err
	}
	now := s.now()
	var recs [][][]byte
	if a.New {
		switch {
		case a.SinceLast && g.lastID.Less(st.lastID):
		case !a.SinceLast && st.length > 0 && g.lastID.Less(st.lastValidID()):
		default:
			return nil, false, false, nil
		}
	}
	c := g.consumers[string(a.Consumer)]
	created = c == nil
	if created && journal {
		recs = append(recs, [][]byte{wordXGroup, wordCreateConsumer, key, a.Group, a.Consumer})
	}
	if !a.New {
		var again []*streamNack
		if from, more := a.After.Next(); c != nil && more {
			c.pel.each(from, func(id StreamID, n *streamNack) bool {
				if a.Count > 0 && len(ents) == a.Count {
					return false
				}
				e, found := st.entry(id)
				if !found {
					e = StreamEntry{ID: id}
				} else {
					again = append(again, n)
					if journal {
						recs = append(recs, claimRecord(key, a.Group, a.Consumer, id, now, n.count+1, g.lastID))
					}
				}
				ents = append(ents, e)
				return true
			})
		}
		if err := s.recordAll(sh, recs); err != nil {
			return nil, false, false, err
		}
		c, _ = g.consumer(string(a.Consumer), now)
		c.seen = now
		for _, n := range again {
			n.delivered = now
			n.count++
		}
		if ents == nil {
			ents = []StreamEntry{}
		}
		return ents, true, created, nil
	}
	start, _ := g.lastID.Next()
	ents = st.rangeOf(start, MaxStreamID, a.Count, false)
	// The group as it will be once ents are delivered: worked out before
	// the journal takes the records that carry it, applied after.
	moved := streamGroup{lastID: g.lastID, entriesRead: g.entriesRead}
	for _, e := range ents {
		st.advance(&moved, e.ID)
		if journal && !a.NoAck {
			recs = append(recs, claimRecord(key, a.Group, a.Consumer, e.ID, now, 1, moved.lastID))
		}
	}
	if journal && moved.lastID != g.lastID {
		recs = append(recs, [][]byte{wordXGroup, wordSetID, key, a.Group, moved.lastID.Bytes(), wordEntriesRead, intArg(moved.entriesRead)})
	}
	if err := s.recordAll(sh, recs); err != nil {
		return nil, false, false, err
	}
	c, _ = g.consumer(string(a.Consumer), now)
	c.seen = now
	g.lastID, g.entriesRead = moved.lastID, moved.entriesRead
	if !a.NoAck {
		for _, e := range ents {
			g.deliver(e.ID, c, now, 1)
		}
	}
	if ents == nil {
		ents = []StreamEntry{}
	}
	return ents, true, created, nil
}

// claimRecord is the XCLAIM that gives the pending entry id to consumer
// with its delivery time and count, moving the group's last ID to last.
func claimRecord(key, group, consumer []byte, id StreamID, delivered, count int64, last StreamID) [][]byte {
	return [][]byte{wordXClaim, key, group, consumer, wordZero, id.Bytes(),
		wordTime, intArg(delivered), wordRetryCount, intArg(count), wordForce, wordJustID, wordLastID, last.Bytes()}
}

// XAck acknowledges ids in group's pending entries, journalling rec if
// some were there, and returns how many were; 0 if key or the group is
// missing.
func (s *Store) XAck(key, group []byte, ids []StreamID, rec [][]byte) (int, error) {
	sh, _, g, err := s.lockGroup(key, group, ErrNoGroup)
	defer sh.mu.Unlock()
	if err == ErrNoGroup {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return removeDistinct(s, sh, ids, sameID, rec, func(id StreamID) bool { _, ok := g.pel.get(id); return ok }, func(id StreamID) { g.ack(id) })
}

// PendingEntry is an entry of a pending entries list.
type PendingEntry struct {
	ID        StreamID
	Consumer  string
	Delivered int64 // unix milliseconds of its last delivery
	Count     int64 // deliveries
}

// PendingSummary is XPENDING key group's reply.
type PendingSummary struct {
	Count       int
	First, Last StreamID
	Consumers   []ConsumerPending // those with pending entries, by name
}

// ConsumerPending is a consumer's count of pending entries.
type ConsumerPending struct {
	Name  string
	Count int
}

// XPendingSummary returns the summary of group's pending entries.
func (s *Store) XPendingSummary(key, group []byte) (PendingSummary, error) {
	var out PendingSummary
	err := s.readGroup(key, group, ErrNoGroup, func(g *streamGroup) {
		out.Count = g.pel.len()
		out.First, _ = g.pel.first()
		out.Last, _ = g.pel.last()
		for _, name := range g.consumerNames() {
			if n := g.consumers[name].pel.len(); n > 0 {
				out.Consumers = append(out.Consumers, ConsumerPending{name, n})
			}
		}
	})
	return out, err
}

// XPendingRange returns up to count of group's pending entries from start
// to end, of consumer only if it is not nil (none if it is missing), idle
// at least minIdle milliseconds.
func (s *Store) XPendingRange(key, group, consumer []byte, start, end StreamID, count, minIdle int64) ([]PendingEntry, error) {
	out := []PendingEntry{}
	now := s.now()
	err := s.readGroup(key, group, ErrNoGroup, func(g *streamGroup) {
		pel := &g.pel
		if consumer != nil {
			c := g.consumers[string(consumer)]
			if c == nil {
				return
			}
			pel = &c.pel
		}
		pel.each(start, func(id StreamID, n *streamNack) bool {
			if count <= 0 || end.Less(id) {
				return false
			}
			if minIdle > 0 && now-n.delivered < minIdle {
				return true
			}
			out = append(out, PendingEntry{id, n.owner.name, n.delivered, n.count})
			count--
			return true
		})
	})
	return out, err
}

// readGroup runs fn with key's stream's group under a read lock: noKey
// if key is missing, as lockGroup, ErrNoGroup if the group is.
func (s *Store) readGroup(key, group []byte, noKey error, fn func(g *streamGroup)) error {
	var g *streamGroup
	found, err := s.readStream(key, func(st *stream) {
		if g = st.lookupGroup(group); g != nil {
			fn(g)
		}
	})
	switch {
	case err != nil:
	case !found:
		err = noKey
	case g == nil:
		err = ErrNoGroup
	}
	return err
}

// XClaimArgs are XCLAIM's options.
type XClaimArgs struct {
	MinIdle    int64
	Delivered  int64 // unix milliseconds (IDLE, TIME); -1: now
	RetryCount int64 // -1: not given
	Force      bool
	JustID     bool
	LastID     StreamID
	// Replay makes FORCE take an entry since deleted into the list too, as
	// a rewrite's XCLAIM of such an entry means (kv's rewrite keeps them).
	Replay bool
}

// Claimed is what XCLAIM and XAUTOCLAIM claimed: entries (Fields nil with
// JUSTID) and, for XAUTOCLAIM, the cursor and the IDs found deleted.
type Claimed struct {
	Entries []StreamEntry
	Next    StreamID
	Deleted []StreamID
	Created bool // the consumer was created
}

type claimPlan struct {
	id    StreamID
	n     *streamNack // nil: created by FORCE
	drop  bool        // the entry is gone: the pending entry goes too
	entry StreamEntry
	when  int64
	count int64
}

// claimRecords journals plan: an XACK for each pending entry it drops, an
// XCLAIM moving the group's last ID to last for each it claims, of which
// claimed is the count.
func claimRecords(key, group, consumer []byte, plan []claimPlan, last StreamID) (recs [][][]byte, claimed int) {
	for _, p := range plan {
		if p.drop {
			recs = append(recs, [][]byte{wordXAck, key, group, p.id.Bytes()})
			continue
		}
		claimed++
		recs = append(recs, claimRecord(key, group, consumer, p.id, p.when, p.count, last))
	}
	return recs, claimed
}

// XClaim gives group's pending entries ids to consumer, as XCLAIM does.
// If journal is set it journals an XCLAIM for each entry claimed, an
// XACK for each found deleted, and an XGROUP SETID for a LASTID that
// moved the group on with nothing claimed.
func (s *Store) XClaim(key, group, consumer []byte, ids []StreamID, a XClaimArgs, journal bool) (Claimed, error) {
	sh, st, g, err := s.lockGroup(key, group, ErrNoGroup)
	defer sh.mu.Unlock()
	if err != nil {
		return Claimed{}, err
	}
	now := s.now()
	last := g.lastID
	if last.Less(a.LastID) {
		last = a.LastID
	}
	when := a.Delivered
	if when < 0 || when > now {
		when = now
	}
	var plan []claimPlan
	planned := map[StreamID]int{} // the plan's last step for an ID
	for _, id := range ids {
		n, inPEL := g.pel.get(id)
		count, owned := int64(0), false
		if k, ok := planned[id]; ok {
			p := plan[k]
			inPEL = !p.drop
			count, owned = p.count, true
		} else if inPEL {
			count = n.count
		}
		entry, exists := st.entry(id)
		if !exists && !(a.Replay && a.Force) && !(a.Replay && inPEL) {
			if inPEL {
				planned[id] = len(plan)
				plan = append(plan, claimPlan{id: id, n: n, drop: true})
			}
			continue
		}
		if !exists {
			entry = StreamEntry{ID: id}
		}
		if !inPEL && !a.Force {
			continue
		}
		if inPEL && !owned && n.owner != nil && a.MinIdle > 0 && now-n.delivered < a.MinIdle {
			continue
		}
		switch {
		case a.RetryCount >= 0:
			count = a.RetryCount
		case !a.JustID:
			count++
		}
		planned[id] = len(plan)
		plan = append(plan, claimPlan{id: id, n: n, entry: entry, when: when, count: count})
	}
	if journal {
		recs, claimed := claimRecords(key, group, consumer, plan, last)
		if claimed == 0 && last != g.lastID {
			recs = append(recs, [][]byte{wordXGroup, wordSetID, key, group, last.Bytes(), wordEntriesRead, intArg(g.entriesRead)})
		}
		if err := s.recordAll(sh, recs); err != nil {
			return Claimed{}, err
		}
	}
	g.lastID = last
	out := Claimed{Entries: []StreamEntry{}}
	var c *streamConsumer
	for _, p := range plan {
		if p.drop {
			g.ack(p.id)
			continue
		}
		if c == nil {
			c, out.Created = g.consumer(string(consumer), now)
			c.seen = now
		}
		g.deliver(p.id, c, p.when, p.count)
		e := p.entry
		if a.JustID {
			e.Fields = nil
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// XAutoClaim claims for consumer up to count of group's pending entries
// from start on, idle at least minIdle, as XAUTOCLAIM does, looking at
// no more than ten times count of them; pending entries whose entry is
// gone are dropped and reported. It journals as XClaim does.
func (s *Store) XAutoClaim(key, group, consumer []byte, minIdle int64, start StreamID, count int64, justID, journal bool) (Claimed, error) {
	sh, st, g, err := s.lockGroup(key, group, ErrNoGroup)
	defer sh.mu.Unlock()
	if err != nil {
		return Claimed{}, err
	}
	now := s.now()
	attempts := count * 10
	var plan []claimPlan
	next := StreamID{}
	g.pel.each(start, func(id StreamID, n *streamNack) bool {
		if attempts == 0 || count == 0 {
			next = id
			return false
		}
		attempts--
		entry, exists := st.entry(id)
		if !exists {
			plan = append(plan, claimPlan{id: id, n: n, drop: true})
			count--
			return true
		}
		if minIdle > 0 && now-n.delivered < minIdle {
			return true
		}
		cnt := n.count
		if !justID {
			cnt++
		}
		plan = append(plan, claimPlan{id: id, n: n, entry: entry, when: now, count: cnt})
		count--
		return true
	})
	if journal {
		recs, _ := claimRecords(key, group, consumer, plan, g.lastID)
		if err := s.recordAll(sh, recs); err != nil {
			return Claimed{}, err
		}
	}
	out := Claimed{Entries: []StreamEntry{}, Deleted: []StreamID{}, Next: next}
	var c *streamConsumer
	for _, p := range plan {
		if p.drop {
			g.ack(p.id)
			out.Deleted = append(out.Deleted, p.id)
			continue
		}
		if c == nil {
			c, out.Created = g.consumer(string(consumer), now)
			c.seen = now
		}
		g.claim(p.id, p.n, c)
		p.n.delivered, p.n.count = p.when, p.count
		e := p.entry
		if justID {
			e.Fields = nil
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}
