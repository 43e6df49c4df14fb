package store

import (
	"slices"
	"sort"
)

// idList is an ordered map of stream IDs to values, kept in a list of
// sorted chunks of at most idChunkMax items: finding, inserting and
// removing an ID cost a binary search and a shift within one chunk, and
// appending at the end (the usual case of a pending entries list, which
// XREADGROUP fills in ID order) is amortised constant.
type idList[T any] struct {
	chunks [][]idItem[T]
	n      int
}

type idItem[T any] struct {
	id StreamID
	v  T
}

const idChunkMax = 256

func (l *idList[T]) len() int { return l.n }

// seek returns the position of the first item whose ID is id or after:
// the chunk's index and the item's within it; ci == len(l.chunks) past
// the end.
func (l *idList[T]) seek(id StreamID) (ci, i int) {
	ci = sort.Search(len(l.chunks), func(k int) bool {
		c := l.chunks[k]
		return !c[len(c)-1].id.Less(id)
	})
	if ci == len(l.chunks) {
		return ci, 0
	}
	c := l.chunks[ci]
	return ci, sort.Search(len(c), func(k int) bool { return !c[k].id.Less(id) })
}

func (l *idList[T]) get(id StreamID) (T, bool) {
	ci, i := l.seek(id)
	if ci < len(l.chunks) && l.chunks[ci][i].id == id {
		return l.chunks[ci][i].v, true
	}
	var zero T
	return zero, false
}

// set puts v under id, replacing the value id had.
func (l *idList[T]) set(id StreamID, v T) {
	it := idItem[T]{id, v}
	if last, ok := l.last(); !ok || last.Less(id) {
		if n := len(l.chunks); n > 0 && len(l.chunks[n-1]) < idChunkMax {
			l.chunks[n-1] = append(l.chunks[n-1], it)
		} else {
			l.chunks = append(l.chunks, append(make([]idItem[T], 0, 8), it))
		}
		l.n++
		return
	}
	ci, i := l.seek(id)
	c := l.chunks[ci]
	if c[i].id == id {
		c[i].v = v
		return
	}
	c = slices.Insert(c, i, it)
	l.n++
	if len(c) <= idChunkMax {
		l.chunks[ci] = c
		return
	}
	half := len(c) / 2
	right := append(make([]idItem[T], 0, idChunkMax), c[half:]...)
	clear(c[half:])
	l.chunks[ci] = c[:half]
	l.chunks = slices.Insert(l.chunks, ci+1, right)
}

// del removes id and reports whether it was there.
func (l *idList[T]) del(id StreamID) bool {
	ci, i := l.seek(id)
	if ci == len(l.chunks) || l.chunks[ci][i].id != id {
		return false
	}
	l.chunks[ci] = slices.Delete(l.chunks[ci], i, i+1)
	l.n--
	if len(l.chunks[ci]) == 0 {
		l.chunks = slices.Delete(l.chunks, ci, ci+1)
	}
	return true
}

// first and last return the list's smallest and largest IDs; ok is false
// when it is empty.
func (l *idList[T]) first() (StreamID, bool) {
	if l.n == 0 {
		return StreamID{}, false
	}
	return l.chunks[0][0].id, true
}

func (l *idList[T]) last() (StreamID, bool) {
	if l.n == 0 {
		return StreamID{}, false
	}
	c := l.chunks[len(l.chunks)-1]
	return c[len(c)-1].id, true
}

// each calls fn with the items whose ID is from on, in order, until fn
// returns false.
func (l *idList[T]) each(from StreamID, fn func(id StreamID, v T) bool) {
	ci, i := l.seek(from)
	for ; ci < len(l.chunks); ci, i = ci+1, 0 {
		for ; i < len(l.chunks[ci]); i++ {
			it := l.chunks[ci][i]
			if !fn(it.id, it.v) {
				return
			}
		}
	}
}
