package store

import "strconv"

// set is an unordered set of members. table says whether Redis would
// hold it as a hashtable by now rather than an intset (see encoding.go).
type set struct {
	m     map[string]struct{}
	bytes int64
	table bool
}

// maxIntsetEntries is where Redis caps set-max-intset-entries, for its
// intset's sake.
const maxIntsetEntries = 1 << 30

// intMember reports whether m is a member an intset can hold: a decimal
// integer as Redis's string2ll reads one, without a sign or zero too
// many.
func intMember(m string) bool {
	n, err := strconv.ParseInt(m, 10, 64)
	return err == nil && strconv.FormatInt(n, 10) == m
}

// add adds m, if new, as Redis's setTypeAdd does: a member an intset
// cannot hold, or one too many under lim, makes the set a hashtable for
// good. It reports whether m is new.
func (st *set) add(m string, lim EncodingLimits) bool {
	if _, ok := st.m[m]; ok {
		return false
	}
	st.m[m] = struct{}{}
	st.bytes += int64(len(m))
	if !st.table && (!intMember(m) || int64(len(st.m)) > min(lim.SetIntEntries, maxIntsetEntries)) {
		st.table = true
	}
	return true
}

// fit gives st the encoding of a set built anew from its members: an
// intset if they all fit one under lim (RESTORE, and SPOP's rebuilt set).
func (st *set) fit(lim EncodingLimits) {
	st.table = int64(len(st.m)) > min(lim.SetIntEntries, maxIntsetEntries)
	for m := range st.m {
		if st.table {
			return
		}
		st.table = !intMember(m)
	}
}

func (st *set) kind() Kind { return KindSet }
func (st *set) size() int  { return len(st.m) }
func (st *set) usage() int64 {
	return st.bytes + int64(len(st.m))*elemOverhead
}

var wordSAdd = []byte("SADD")

func (st *set) appendRecords(d *dumpBuf, key string) {
	args := make([][]byte, 0, 2+itemsPerRecord)
	for m := range st.m {
		if len(args) == 0 {
			args = append(args, wordSAdd, []byte(key))
		}
		args = append(args, []byte(m))
		if len(args) == 2+itemsPerRecord {
			d.record(args...)
			args = args[:0]
		}
	}
	if len(args) > 0 {
		d.record(args...)
	}
}

// SAdd adds members to key's set, creating it if key is missing, and
// returns how many were not there; rec is journalled only if that is some.
func (s *Store) SAdd(key []byte, members [][]byte, rec [][]byte) (int, error) {
	sh, e, err := s.lockWrite(key, KindSet)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	var st *set
	if e != nil {
		st = e.obj.(*set)
	}
	added := 0
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		if _, dup := seen[string(m)]; dup {
			continue
		}
		seen[string(m)] = struct{}{}
		if st == nil {
			added++
		} else if _, ok := st.m[string(m)]; !ok {
			added++
		}
	}
	if added == 0 {
		return 0, nil
	}
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	if st == nil {
		st = &set{m: make(map[string]struct{}, len(members))}
		s.added(sh.addObject(key, st))
	}
	lim := s.encodingLimits()
	for _, m := range members {
		st.add(string(m), lim)
	}
	return added, nil
}

// SRem removes members from key's set and returns how many were there,
// and whether the key went with the last; rec is journalled only if that
// is some.
func (s *Store) SRem(key []byte, members [][]byte, rec [][]byte) (n int, gone bool, err error) {
	return s.removeElems(key, KindSet, members, rec)
}

func (st *set) has(m string) bool { _, ok := st.m[m]; return ok }

func (st *set) del(m string) {
	delete(st.m, m)
	st.bytes -= int64(len(m))
}

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: an SPOP that
// leaves fewer than one member for every 5 it takes builds the set anew.
const spopMoveStrategyMul = 5

// SPop removes up to count members of key's set chosen at random and
// returns them, and whether the key went with the last. Being random, it
// is journalled as what it did: the members are appended to rec, which
// should be SREM key.
func (s *Store) SPop(key []byte, count int, rec [][]byte) (popped [][]byte, gone bool, err error) {
	sh, e, err := s.lockWrite(key, KindSet)
	defer sh.mu.Unlock()
	if e == nil || err != nil || count <= 0 {
		return nil, false, err
	}
	st := e.obj.(*set)
	out := make([][]byte, 0, min(count, len(st.m)))
	for m := range st.m { // Go's map iteration starts at a random place
		if len(out) == count {
			break
		}
		out = append(out, []byte(m))
	}
	if rec != nil {
		rec = append(rec, out...)
	}
	if err := s.record(sh, rec); err != nil {
		return nil, false, err
	}
	for _, m := range out {
		delete(st.m, string(m))
		st.bytes -= int64(len(m))
	}
	if len(st.m) > 0 && len(st.m)*spopMoveStrategyMul <= len(out) {
		// Redis builds the set anew from the members it keeps.
		st.fit(s.encodingLimits())
	}
	return out, sh.removeIfEmpty(e), nil
}

// SMembers returns the members of key's set, in no particular order.
func (s *Store) SMembers(key []byte) ([][]byte, error) {
	var out [][]byte
	_, err := s.read(key, KindSet, func(o object) {
		st := o.(*set)
		out = make([][]byte, 0, len(st.m))
		for m := range st.m {
			out = append(out, []byte(m))
		}
	})
	return out, err
}

// SIsMember reports whether member is in key's set (ok), and whether key
// exists (found).
func (s *Store) SIsMember(key, member []byte) (ok, found bool, err error) {
	found, err = s.read(key, KindSet, func(o object) {
		_, ok = o.(*set).m[string(member)]
	})
	return ok, found, err
}

// SetStore makes dst a set of members, replacing whatever dst held (the
// STORE forms of SINTER, SUNION and SDIFF); no members removes dst. It is
// journalled as what it did, recs in order (DEL dst, then SADD dst with
// the members), not as the command: the sets it was computed from are
// other keys, which a replay or a rewrite's tail may see in another state.
// It reports whether dst existed before.
func (s *Store) SetStore(dst []byte, members [][]byte, recs [][][]byte) (existed bool, err error) {
	var o object
	if len(members) > 0 {
		st := &set{m: make(map[string]struct{}, len(members))}
		lim := s.encodingLimits()
		for _, m := range members {
			st.add(string(m), lim)
		}
		o = st
	}
	return s.replace(dst, o, recs)
}

var wordSRem = []byte("SREM")

// SMoved is what an SMove did, for the events Redis sends about it.
type SMoved struct {
	Moved   bool // member was in src (and src is not dst)
	SrcGone bool // src went with its last member
	DstNew  bool // dst was missing and is new
	Added   bool // member was not in dst already
}

// SMove moves member from the set at src to the set at dst, creating dst
// if missing (SMOVE), journalling rec, and reports what it did: nothing if
// src is missing or lacks member; Moved alone, as Redis answers, if src is
// dst. Both shards are locked for the whole move, so that no client sees
// the member in both sets or neither. During a rewrite, a dumped shard's
// tail gets the move's effect on it. A new dst is not told to the
// Notifier but reported, DstNew: Redis adds dst after it removed the
// member from src, and sends the events in that order.
func (s *Store) SMove(src, dst, member []byte, rec [][]byte) (SMoved, error) {
	shSrc, shDst, unlock := s.lockTwo(src, s, dst)
	defer unlock()
	e, err := s.lookupWrite(shSrc, src)
	if e == nil || err != nil {
		return SMoved{}, err
	}
	d, err := s.lookupWrite(shDst, dst)
	if err != nil {
		return SMoved{}, err
	}
	if kindOf(e) != KindSet || d != nil && kindOf(d) != KindSet {
		return SMoved{}, ErrWrongType
	}
	st := e.obj.(*set)
	if _, ok := st.m[string(member)]; !ok {
		return SMoved{}, nil
	}
	if e == d {
		return SMoved{Moved: true}, nil
	}
	if err := s.recordMove(shSrc, shDst, src, dst, member, rec); err != nil {
		return SMoved{}, err
	}
	r := SMoved{Moved: true}
	st.del(string(member))
	r.SrcGone = shSrc.removeIfEmpty(e)
	if d == nil {
		d = shDst.addObject(dst, &set{m: map[string]struct{}{}})
		r.DstNew = true
	}
	r.Added = d.obj.(*set).add(string(member), s.encodingLimits())
	return r, nil
}

// recordMove journals an SMOVE, both shards locked; a rewrite's tail gets
// what it did to the shards already dumped.
func (s *Store) recordMove(shSrc, shDst *shard, src, dst, member []byte, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shSrc.dumped && !shDst.dumped {
		return s.journal.AppendDB(s.db, rec)
	}
	var tail [][][]byte
	if shSrc.dumped {
		tail = append(tail, [][]byte{wordSRem, src, member})
	}
	if shDst.dumped {
		tail = append(tail, [][]byte{wordSAdd, dst, member})
	}
	return rw.sink.AppendRecords(s.db, [][][]byte{rec}, tail)
}
