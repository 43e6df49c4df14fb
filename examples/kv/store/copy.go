package store

import (
	"errors"
	"maps"
	"slices"
	"strconv"
)

// ErrSameObject refuses a COPY of a key onto itself.
var ErrSameObject = errors.New("store: source and destination objects are the same")

// The containers are copied; their elements are shared, as they are never
// written in place once stored (see dumpBuf).
func (l *list) clone() object {
	return &list{items: slices.Clone(l.items[l.off:]), bytes: l.bytes}
}
func (st *set) clone() object { return &set{m: maps.Clone(st.m), bytes: st.bytes, table: st.table} }
func (h *hash) clone() object {
	c := newHash(h.size())
	h.each(func(f string, v []byte) { c.set(f, v) })
	c.table = h.table
	return c
}
func (z *zset) clone() object {
	return &zset{scores: maps.Clone(z.scores), order: slices.Clone(z.order), bytes: z.bytes, skiplist: z.skiplist}
}

// Copy copies src's value and expiry to dst in database to (COPY src dst
// [DB n] [REPLACE]), replacing what dst held only if replace is set, and
// reports whether it copied, and whether src exists (found: COPY reads
// it, which a server counts as a hit or a miss); rec is journalled in s's
// database. A string is copied byte for byte: APPEND grows a value in
// place, which two keys must not share.
func (s *Store) Copy(src []byte, to *Store, dst []byte, replace bool, rec [][]byte) (copied, found bool, err error) {
	if to == s && string(src) == string(dst) {
		return false, false, ErrSameObject
	}
	shSrc, shDst, unlock := s.lockTwo(src, to, dst)
	defer unlock()
	e, err := s.lookupWrite(shSrc, src)
	if e == nil || err != nil {
		return false, false, err
	}
	d, err := to.lookupWrite(shDst, dst)
	if err != nil {
		return false, true, err
	}
	if d != nil && !replace {
		return false, true, nil
	}
	k := string(dst)
	n := &entry{key: k, exp: e.exp}
	if e.obj == nil {
		n.val = clone(e.val)
	} else {
		n.obj = e.obj.(interface{ clone() object }).clone()
	}
	if err := s.recordCopy(to, shDst, dst, n, rec); err != nil {
		return false, true, err
	}
	if d != nil {
		shDst.remove(d)
	}
	shDst.keys[k] = n
	shDst.setForm(k, shSrc.forms[e.key]) // dupStringObject keeps the encoding
	if n.exp != 0 {
		shDst.volatile[k] = struct{}{}
	}
	to.added(n) // even over an old dst, as Redis deletes it first
	return true, true, nil
}

// recordCopy journals a COPY to dst in database to, whose new entry is n,
// both shards locked. During a rewrite that has dumped dst's shard, the
// tail gets what rebuilds dst, in its database; src is unchanged, so its
// shard needs nothing.
func (s *Store) recordCopy(to *Store, shDst *shard, dst []byte, n *entry, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shDst.dumped {
		return s.journal.AppendDB(s.db, rec)
	}
	var d dumpBuf
	var num [20]byte
	if to != s {
		d.record(wordSelect, strconv.AppendInt(num[:0], int64(to.db), 10))
	}
	d.record(delCmd, dst)
	appendEntry(&d, string(dst), n)
	if to != s { // the tail goes on in s's database, as the sink believes
		d.record(wordSelect, strconv.AppendInt(num[:0], int64(s.db), 10))
	}
	return rw.sink.Append(s.db, rec, d.bytes())
}

// lockTwo write-locks the shard of src in s and that of dst in database
// to, in one order for all (by database, then by shard), so that two
// writes over the same two shards cannot deadlock; unlock lets both go.
func (s *Store) lockTwo(src []byte, to *Store, dst []byte) (shSrc, shDst *shard, unlock func()) {
	shSrc, shDst = s.shard(src), to.shard(dst)
	first, second := shSrc, shDst
	if to.db < s.db || to == s && to.shardIndex(dst) < s.shardIndex(src) {
		first, second = shDst, shSrc
	}
	first.mu.Lock()
	if second != first {
		second.mu.Lock()
	}
	return shSrc, shDst, func() {
		if second != first {
			second.mu.Unlock()
		}
		first.mu.Unlock()
	}
}

// Move moves key's value and expiry to database to (MOVE key db), if
// key exists there and not in to, and reports whether it moved it; rec
// is journalled in s's database.
func (s *Store) Move(key []byte, to *Store, rec [][]byte) (bool, error) {
	if to == s {
		return false, ErrSameObject
	}
	shSrc, shDst, unlock := s.lockTwo(key, to, key)
	defer unlock()
	e, err := s.lookupWrite(shSrc, key)
	if e == nil || err != nil {
		return false, err
	}
	d, err := to.lookupWrite(shDst, key)
	if d != nil || err != nil {
		return false, err
	}
	if err := s.recordKeyMove(to, shSrc, shDst, key, e, rec); err != nil {
		return false, err
	}
	to.added(transfer(shSrc, shDst, e, key))
	return true, nil
}

// recordKeyMove journals a MOVE of key, whose entry is e, to database to,
// both shards locked; a rewrite's tail gets its effect on the shards it
// has dumped: the key gone from the source, the value in the
// destination.
func (s *Store) recordKeyMove(to *Store, shSrc, shDst *shard, key []byte, e *entry, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shSrc.dumped && !shDst.dumped {
		return s.journal.AppendDB(s.db, rec)
	}
	var d dumpBuf
	var num [20]byte
	if shSrc.dumped {
		d.record(delCmd, key)
	}
	if shDst.dumped {
		d.record(wordSelect, strconv.AppendInt(num[:0], int64(to.db), 10))
		appendEntry(&d, string(key), e)
		d.record(wordSelect, strconv.AppendInt(num[:0], int64(s.db), 10))
	}
	return rw.sink.Append(s.db, rec, d.bytes())
}
