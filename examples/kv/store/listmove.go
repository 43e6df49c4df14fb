package store

// The words of the records a rewrite's tail gets for an LMOVE.
var (
	wordLPop  = []byte("LPOP")
	wordRPop  = []byte("RPOP")
	wordLPush = []byte("LPUSH")
)

// LMove pops an element from the head (fromFront) or the tail of the list
// at src and pushes it onto the head (toFront) or the tail of the list at
// dst, creating dst if missing (LMOVE, RPOPLPUSH), journalling rec. It
// returns the element, false if src is missing, and whether src went with
// its last element (not if it is dst). A dst that holds
// another kind is ErrWrongType and nothing moves. Both shards are locked
// for the whole move, so that no client sees the element in both lists or
// neither; src and dst may be the same list (a rotation).
func (s *Store) LMove(src, dst []byte, fromFront, toFront bool, rec [][]byte) (v []byte, moved, srcGone bool, err error) {
	shSrc, shDst, unlock := s.lockTwo(src, s, dst)
	defer unlock()
	e, err := s.lookupWrite(shSrc, src)
	if e == nil || err != nil {
		return nil, false, false, err
	}
	d, err := s.lookupWrite(shDst, dst)
	if err != nil {
		return nil, false, false, err
	}
	if kindOf(e) != KindList || d != nil && kindOf(d) != KindList {
		return nil, false, false, ErrWrongType
	}
	if err := s.recordLMove(shSrc, shDst, src, dst, fromFront, toFront, e, rec); err != nil {
		return nil, false, false, err
	}
	l := e.obj.(*list)
	if fromFront {
		v = l.popFront()
	} else {
		v = l.popBack()
	}
	if d == nil {
		d = shDst.addObject(dst, &list{})
		s.added(d)
	}
	dl := d.obj.(*list)
	if toFront {
		dl.pushFront(v)
	} else {
		dl.pushBack(v)
	}
	return v, true, shSrc.removeIfEmpty(e), nil
}

// recordLMove journals an LMOVE, both shards locked; a rewrite's tail gets
// what it does to the shards already dumped: a pop from src, a push of
// the element onto dst.
func (s *Store) recordLMove(shSrc, shDst *shard, src, dst []byte, fromFront, toFront bool, e *entry, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shSrc.dumped && !shDst.dumped {
		return s.journal.AppendDB(s.db, rec)
	}
	l := e.obj.(*list)
	v := l.at(l.size() - 1)
	pop, push := wordRPop, wordRPush
	if fromFront {
		v, pop = l.at(0), wordLPop
	}
	if toFront {
		push = wordLPush
	}
	var tail [][][]byte
	if shSrc.dumped {
		tail = append(tail, [][]byte{pop, src})
	}
	if shDst.dumped {
		tail = append(tail, [][]byte{push, dst, v})
	}
	return rw.sink.AppendRecords(s.db, [][][]byte{rec}, tail)
}
