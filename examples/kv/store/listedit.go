package store

import (
	"bytes"
	"errors"
)

// ErrIndexRange refuses an LSET beyond the list's ends.
var ErrIndexRange = errors.New("store: index out of range")

// setItems makes items the list's elements, head first.
func (l *list) setItems(items [][]byte) {
	l.items, l.off, l.bytes = items, 0, 0
	for _, v := range items {
		l.bytes += int64(len(v))
	}
}

// editList runs edit on key's list under its shard's write lock, after
// journalling rec if edit says it changes the list (edit is called first
// with apply false to learn that, then with apply true); the key goes if
// the list is left empty, and gone says so. found is false if key is
// missing.
func (s *Store) editList(key []byte, rec [][]byte, edit func(l *list, apply bool) (int, bool, error)) (n int, found, gone bool, err error) {
	sh, e, err := s.lockWrite(key, KindList)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return 0, false, false, err
	}
	l := e.obj.(*list)
	n, changes, err := edit(l, false)
	if err != nil || !changes {
		return n, true, false, err
	}
	if err := s.record(sh, rec); err != nil {
		return 0, true, false, err
	}
	n, _, err = edit(l, true)
	return n, true, sh.removeIfEmpty(e), err
}

// LInsert inserts val before (or after) the first element equal to pivot
// in key's list (LINSERT) and returns the new length: -1 if pivot is not
// there, 0 if key is missing.
func (s *Store) LInsert(key []byte, before bool, pivot, val []byte, rec [][]byte) (int, error) {
	n, _, _, err := s.editList(key, rec, func(l *list, apply bool) (int, bool, error) {
		at := -1
		for i := range l.size() {
			if bytes.Equal(l.at(i), pivot) {
				at = i
				break
			}
		}
		if at < 0 {
			return -1, false, nil
		}
		if !apply {
			return 0, true, nil
		}
		if !before {
			at++
		}
		items := make([][]byte, 0, l.size()+1)
		items = append(items, l.items[l.off:l.off+at]...)
		items = append(items, clone(val))
		items = append(items, l.items[l.off+at:]...)
		l.setItems(items)
		return l.size(), true, nil
	})
	return n, err
}

// LSet replaces the element at index i of key's list (LSET), negative
// counting from the tail: ErrNoSuchKey if key is missing, ErrIndexRange
// beyond the ends.
func (s *Store) LSet(key []byte, i int64, val []byte, rec [][]byte) error {
	_, found, _, err := s.editList(key, rec, func(l *list, apply bool) (int, bool, error) {
		if i < 0 {
			i += int64(l.size())
		}
		if i < 0 || i >= int64(l.size()) {
			return 0, false, ErrIndexRange
		}
		if apply {
			// The old slice is replaced, never written: a reader may hold it.
			l.bytes += int64(len(val) - len(l.items[l.off+int(i)]))
			l.items[l.off+int(i)] = clone(val)
		}
		return 0, true, nil
	})
	if err == nil && !found {
		return ErrNoSuchKey
	}
	return err
}

// LTrim keeps only the elements of key's list from start to stop
// inclusive (LTRIM), as LRANGE counts them; the key goes if none is left.
// It reports whether key was there, and whether it is gone.
func (s *Store) LTrim(key []byte, start, stop int64, rec [][]byte) (found, gone bool, err error) {
	_, found, gone, err = s.editList(key, rec, func(l *list, apply bool) (int, bool, error) {
		lo, hi, ok := ClampRange(start, stop, l.size())
		if ok && lo == 0 && hi == l.size()-1 {
			return 0, false, nil // keeps all: nothing to journal
		}
		if apply {
			var items [][]byte
			if ok {
				items = append(items, l.items[l.off+lo:l.off+hi+1]...)
			}
			l.setItems(items)
		}
		return 0, true, nil
	})
	return found, gone, err
}

// LRem removes elements equal to val from key's list (LREM): the first
// count from the head if count is positive, from the tail if negative,
// all if 0; it returns how many it removed, and whether the key went with
// them.
func (s *Store) LRem(key []byte, count int64, val []byte, rec [][]byte) (n int, gone bool, err error) {
	n, _, gone, err = s.editList(key, rec, func(l *list, apply bool) (int, bool, error) {
		items := l.items[l.off:]
		drop := make([]bool, len(items))
		removed := 0
		for j := range items {
			i := j
			if count < 0 {
				i = len(items) - 1 - j
			}
			if count != 0 && int64(removed) == max(count, -count) {
				break
			}
			if bytes.Equal(items[i], val) {
				drop[i] = true
				removed++
			}
		}
		if removed == 0 || !apply {
			return removed, removed > 0, nil
		}
		kept := make([][]byte, 0, len(items)-removed)
		for i, v := range items {
			if !drop[i] {
				kept = append(kept, v)
			}
		}
		l.setItems(kept)
		return removed, true, nil
	})
	return n, gone, err
}

// PushX is Push only if key's list exists (LPUSHX, RPUSHX); it returns
// the new length, 0 if key is missing.
func (s *Store) PushX(key []byte, vals [][]byte, front bool, rec [][]byte) (int, error) {
	n, _, _, err := s.editList(key, rec, func(l *list, apply bool) (int, bool, error) {
		if apply {
			for _, v := range vals {
				if front {
					l.pushFront(clone(v))
				} else {
					l.pushBack(clone(v))
				}
			}
		}
		return l.size(), true, nil
	})
	return n, err
}
