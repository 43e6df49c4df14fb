package store

// list is a deque of elements: items[off:] are the elements, head first,
// with room kept at the front so that LPUSH is as cheap as RPUSH.
type list struct {
	items [][]byte
	off   int
	bytes int64
}

func (l *list) kind() Kind { return KindList }
func (l *list) size() int  { return len(l.items) - l.off }
func (l *list) usage() int64 {
	return l.bytes + int64(cap(l.items))*24 + int64(l.size())*elemOverhead
}

func (l *list) at(i int) []byte { return l.items[l.off+i] }

func (l *list) pushBack(v []byte) {
	if len(l.items) == cap(l.items) && l.off > len(l.items)/2 {
		// More than half the array is room at the front that pops left:
		// reuse it rather than grow.
		n := copy(l.items, l.items[l.off:])
		clear(l.items[n:])
		l.items, l.off = l.items[:n], 0
	}
	l.items = append(l.items, v)
	l.bytes += int64(len(v))
}

func (l *list) pushFront(v []byte) {
	if l.off == 0 {
		n := l.size()
		room := max(8, n)
		items := make([][]byte, room+n, room+n+max(8, n/2))
		copy(items[room:], l.items)
		l.items, l.off = items, room
	}
	l.off--
	l.items[l.off] = v
	l.bytes += int64(len(v))
}

func (l *list) popFront() []byte {
	v := l.items[l.off]
	l.items[l.off] = nil
	l.off++
	l.bytes -= int64(len(v))
	if l.off == len(l.items) {
		l.items, l.off = l.items[:0], 0
	}
	return v
}

func (l *list) popBack() []byte {
	n := len(l.items) - 1
	v := l.items[n]
	l.items[n] = nil
	l.items = l.items[:n]
	l.bytes -= int64(len(v))
	if l.off == len(l.items) {
		l.items, l.off = l.items[:0], 0
	}
	return v
}

// itemsPerRecord is how many elements a rewrite puts in one command, as
// Redis's AOF_REWRITE_ITEMS_PER_CMD.
const itemsPerRecord = 64

var wordRPush = []byte("RPUSH")

func (l *list) appendRecords(d *dumpBuf, key string) {
	args := make([][]byte, 0, 2+itemsPerRecord)
	for i := 0; i < l.size(); i += itemsPerRecord {
		args = append(args[:0], wordRPush, []byte(key))
		for j := i; j < min(i+itemsPerRecord, l.size()); j++ {
			args = append(args, l.at(j))
		}
		d.record(args...)
	}
}

// Push adds vals to key's list, at the head (front) one by one, as LPUSH
// does, or at the tail, creating the list if key is missing, journalling
// rec; it returns the list's new length.
func (s *Store) Push(key []byte, vals [][]byte, front bool, rec [][]byte) (int, error) {
	sh, e, err := s.lockCreate(key, KindList, rec, func() object { return &list{} })
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	l := e.obj.(*list)
	for _, v := range vals {
		if front {
			l.pushFront(clone(v))
		} else {
			l.pushBack(clone(v))
		}
	}
	return l.size(), nil
}

// Pop removes up to count elements from the head (front) or the tail of
// key's list, journalling rec, and returns them; nil if key is missing,
// empty if count is 0.
// The list's key goes when it is empty, and gone says so.
func (s *Store) Pop(key []byte, count int, front bool, rec [][]byte) (popped [][]byte, gone bool, err error) {
	sh, e, err := s.lockWrite(key, KindList)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return nil, false, err
	}
	if count <= 0 {
		return [][]byte{}, false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return nil, false, err
	}
	l := e.obj.(*list)
	out := make([][]byte, 0, min(count, l.size()))
	for range min(count, l.size()) {
		if front {
			out = append(out, l.popFront())
		} else {
			out = append(out, l.popBack())
		}
	}
	return out, sh.removeIfEmpty(e), nil
}

// LenOf returns the number of elements of key's value of kind k (LLEN,
// SCARD, HLEN, ZCARD, XLEN): 0 if key is missing. found reports whether
// key exists: a stream may be empty.
func (s *Store) LenOf(key []byte, k Kind) (n int, found bool, err error) {
	found, err = s.read(key, k, func(o object) { n = o.size() })
	return n, found, err
}

// LRange returns the elements of key's list from start to stop inclusive,
// counted from the head, negative ones from the tail, as LRANGE does, and
// whether key exists.
func (s *Store) LRange(key []byte, start, stop int64) (vals [][]byte, found bool, err error) {
	var out [][]byte
	found, err = s.read(key, KindList, func(o object) {
		l := o.(*list)
		lo, hi, ok := ClampRange(start, stop, l.size())
		if !ok {
			return
		}
		out = make([][]byte, 0, hi-lo+1)
		for i := lo; i <= hi; i++ {
			out = append(out, l.at(i))
		}
	})
	return out, found, err
}

// LIndex returns the element at index i of key's list, negative counting
// from the tail, whether there is one (ok), and whether key exists
// (found).
func (s *Store) LIndex(key []byte, i int64) (v []byte, ok, found bool, err error) {
	found, err = s.read(key, KindList, func(o object) {
		l := o.(*list)
		if i < 0 {
			i += int64(l.size())
		}
		if i >= 0 && i < int64(l.size()) {
			v, ok = l.at(int(i)), true
		}
	})
	return v, ok, found, err
}

// ClampRange turns Redis's inclusive start and stop indexes, negative ones
// counting from the end, into bounds within n elements; ok is false when
// the range is empty.
func ClampRange(start, stop int64, n int) (lo, hi int, ok bool) {
	size := int64(n)
	if start < 0 {
		start += size
	}
	if stop < 0 {
		stop += size
	}
	start = max(start, 0)
	if start > stop || start >= size {
		return 0, 0, false
	}
	stop = min(stop, size-1)
	return int(start), int(stop), true
}

// ListStore makes dst a list of items, head first, replacing whatever dst
// held (SORT ... STORE); no items removes dst. Like SetStore, it is
// journalled as what it did, recs in order (DEL dst, then RPUSH dst with
// the items), as its source is another key. It reports whether dst
// existed before.
func (s *Store) ListStore(dst []byte, items [][]byte, recs [][][]byte) (existed bool, err error) {
	var o object
	if len(items) > 0 {
		l := &list{}
		for _, v := range items {
			l.pushBack(clone(v))
		}
		o = l
	}
	return s.replace(dst, o, recs)
}

// replace makes dst hold o, replacing whatever it held (nothing if o is
// nil), journalling recs in order: the STORE forms' way to write a result
// computed from other keys. It reports whether dst existed before; only a
// dst that did not is new, as Redis's setKey has it.
func (s *Store) replace(dst []byte, o object, recs [][][]byte) (existed bool, err error) {
	sh, e, err := s.lockLookup(dst)
	defer sh.mu.Unlock()
	if err != nil {
		return false, err
	}
	for _, rec := range recs {
		if err := s.record(sh, rec); err != nil {
			return false, err
		}
	}
	if e != nil {
		sh.remove(e)
	}
	if o != nil {
		n := sh.addObject(dst, o)
		if e == nil {
			s.added(n)
		}
	}
	return e != nil, nil
}
