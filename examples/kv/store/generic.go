package store

// ResetStats zeroes the count of expired keys, for CONFIG RESETSTAT.
func (s *Store) ResetStats() {
	for _, d := range s.dbs {
		d.expired.Store(0)
	}
}

// Type returns the kind of key's value, KindNone if it is missing.
func (s *Store) Type(key []byte) Kind {
	k := KindNone
	s.readEntry(key, func(e *entry) {
		if e != nil {
			k = kindOf(e)
		}
	})
	return k
}

// entryOverhead is what a key costs besides its name and value: the entry,
// its map slot, and the volatile set's slot when it has an expiry; an
// estimate, of the same order as Redis's dictEntry and robj.
const entryOverhead = 72

// MemoryUsage estimates the bytes key and its value take, as MEMORY USAGE
// does; false if key is missing.
func (s *Store) MemoryUsage(key []byte) (int64, bool) {
	n, found := int64(0), false
	s.readEntry(key, func(e *entry) {
		if found = e != nil; found {
			n = entryOverhead + int64(len(e.key))
			if e.obj == nil {
				n += int64(cap(e.val))
			} else {
				n += e.obj.usage()
			}
		}
	})
	return n, found
}

// GetDel removes key, a string, journalling rec, and returns its value.
func (s *Store) GetDel(key []byte, rec [][]byte) ([]byte, bool, error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return nil, false, err
	}
	if err := s.record(sh, rec); err != nil {
		return nil, false, err
	}
	sh.remove(e)
	return e.val, true, nil
}

// Rename moves src's value and expiry to dst, replacing whatever dst held,
// journalling rec; ErrNoSuchKey if src is missing.
func (s *Store) Rename(src, dst []byte, rec [][]byte) error {
	_, err := s.rename(src, dst, false, rec)
	return err
}

// RenameNX is Rename only if dst is missing (RENAMENX), and reports
// whether it renamed; a key renamed to itself is not, as in Redis. rec
// should be the RENAME it did: that is what a replay must do.
func (s *Store) RenameNX(src, dst []byte, rec [][]byte) (bool, error) {
	return s.rename(src, dst, true, rec)
}

func (s *Store) rename(src, dst []byte, nx bool, rec [][]byte) (bool, error) {
	shSrc, shDst, unlock := s.lockTwo(src, s, dst)
	defer unlock()
	e, err := s.lookupWrite(shSrc, src)
	if err != nil {
		return false, err
	}
	if e == nil {
		return false, ErrNoSuchKey
	}
	if string(src) == string(dst) {
		return !nx, nil
	}
	d, err := s.lookupWrite(shDst, dst)
	if err != nil {
		return false, err
	}
	if nx && d != nil {
		return false, nil
	}
	if err := s.recordRename(shSrc, shDst, src, dst, e, rec); err != nil {
		return false, err
	}
	if d != nil {
		shDst.remove(d)
	}
	s.added(transfer(shSrc, shDst, e, dst)) // even over an old dst: Redis deletes it and adds dst anew
	return true, nil
}

// transfer moves e, with its expiry and its string's encoding, out of
// shSrc to key in shDst (RENAME, MOVE) and returns its new entry. Both
// shards are write-locked, and key is free in shDst.
func transfer(shSrc, shDst *shard, e *entry, key []byte) *entry {
	form := shSrc.forms[e.key]
	shSrc.remove(e)
	k := string(key)
	n := &entry{key: k, val: e.val, obj: e.obj, exp: e.exp}
	shDst.keys[k] = n
	shDst.setForm(k, form)
	if e.exp != 0 {
		shDst.volatile[k] = struct{}{}
	}
	return n
}
