package store

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// hash maps fields to values. Its fields keep the order they were first
// set in, as Redis's listpack keeps them: a field updated keeps its place,
// and one deleted leaves the others in order. idx finds a field's place in
// fields in O(1); a deleted field leaves a hole (a nil value) there, and
// the holes are squeezed out once they are half of fields. table says
// whether Redis would hold the hash as a hashtable by now (see
// encoding.go): order no longer matters then, but kept costs nothing.
type hash struct {
	idx    map[string]int32
	fields []hfield
	holes  int
	bytes  int64
	table  bool
}

// hfield is one field of a hash and its value; v is never nil but in a
// hole.
type hfield struct {
	f string
	v []byte
}

func newHash(n int) *hash {
	return &hash{idx: make(map[string]int32, n), fields: make([]hfield, 0, n)}
}

func (h *hash) kind() Kind { return KindHash }
func (h *hash) size() int  { return len(h.idx) }
func (h *hash) usage() int64 {
	return h.bytes + int64(len(h.idx))*2*elemOverhead
}

// get returns field f's value.
func (h *hash) get(f string) ([]byte, bool) {
	i, ok := h.idx[f]
	if !ok {
		return nil, false
	}
	return h.fields[i].v, true
}

// each calls fn with every field and its value, in the hash's order.
func (h *hash) each(fn func(f string, v []byte)) {
	for _, hf := range h.fields {
		if hf.v != nil {
			fn(hf.f, hf.v)
		}
	}
}

// convertIfLarge turns h into a hashtable, for good, if it is too large for
// a listpack under lim now (hashTypeConvert after hashTypeSet).
func (h *hash) convertIfLarge(lim EncodingLimits) {
	if int64(h.size()) > lim.HashEntries {
		h.table = true
	}
}

// fit gives h the encoding of a hash restored whole: a listpack if it is
// small enough under lim, as Redis's RESTORE and rdbLoad decide.
func (h *hash) fit(lim EncodingLimits) {
	h.table = int64(h.size()) > lim.HashEntries
	h.each(func(f string, v []byte) {
		if !lim.hashFits(len(f)) || !lim.hashFits(len(v)) {
			h.table = true
		}
	})
}

// setFitting sets field f to v as Redis's hashTypeSet does, converting h
// first if either is too long for a listpack under lim, and after if h
// has grown too large for one; it reports whether f is new.
func (h *hash) setFitting(f string, v []byte, lim EncodingLimits) bool {
	if !lim.hashFits(len(f)) || !lim.hashFits(len(v)) {
		h.table = true
	}
	added := h.set(f, v)
	h.convertIfLarge(lim)
	return added
}

var wordHSet = []byte("HSET")

func (h *hash) appendRecords(d *dumpBuf, key string) {
	args := make([][]byte, 0, 2+2*itemsPerRecord)
	h.each(func(f string, v []byte) {
		if len(args) == 0 {
			args = append(args, wordHSet, []byte(key))
		}
		args = append(args, []byte(f), v)
		if len(args) == 2+2*itemsPerRecord {
			d.record(args...)
			args = args[:0]
		}
	})
	if len(args) > 0 {
		d.record(args...)
	}
}

// set sets field f to v, in place if f is there, at the end otherwise,
// and reports whether f is new.
func (h *hash) set(f string, v []byte) (added bool) {
	if v == nil {
		v = []byte{} // nil marks a hole
	}
	if i, ok := h.idx[f]; ok {
		h.bytes += int64(len(v) - len(h.fields[i].v))
		h.fields[i].v = v
		return false
	}
	h.idx[f] = int32(len(h.fields))
	h.fields = append(h.fields, hfield{f, v})
	h.bytes += int64(len(f) + len(v))
	return true
}

func (h *hash) has(f string) bool { _, ok := h.idx[f]; return ok }

func (h *hash) del(f string) {
	i, ok := h.idx[f]
	if !ok {
		return
	}
	h.bytes -= int64(len(f) + len(h.fields[i].v))
	delete(h.idx, f)
	h.fields[i] = hfield{}
	h.holes++
	if h.holes > len(h.fields)/2 {
		h.compact()
	}
}

// compact squeezes the holes out of fields, keeping the order.
func (h *hash) compact() {
	kept := h.fields[:0]
	for _, hf := range h.fields {
		if hf.v != nil {
			h.idx[hf.f] = int32(len(kept))
			kept = append(kept, hf)
		}
	}
	clear(h.fields[len(kept):])
	h.fields, h.holes = kept, 0
	if cap(h.fields) > 2*len(h.fields)+8 {
		h.fields = slices.Clone(h.fields) // let a hash that shrank give memory back
	}
}

// HSet sets fields to values (pairs is field, value, field, value...) in
// key's hash, creating it if key is missing, journalling rec, and returns
// how many fields are new.
func (s *Store) HSet(key []byte, pairs [][]byte, rec [][]byte) (int, error) {
	sh, e, err := s.lockCreate(key, KindHash, rec, func() object {
		return newHash(len(pairs) / 2)
	})
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	h := e.obj.(*hash)
	lim := s.encodingLimits()
	for _, a := range pairs { // hashTypeTryConversion: any argument too long converts
		if !lim.hashFits(len(a)) {
			h.table = true
		}
	}
	// The lengths are judged above, and the size only grows here: one
	// look at it once the fields are set converts as hashTypeSet's look
	// after each would.
	added := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if h.set(string(pairs[i]), clone(pairs[i+1])) {
			added++
		}
	}
	h.convertIfLarge(lim)
	return added, nil
}

// HGet returns field's value in key's hash, whether field is there (ok),
// and whether key is (found).
func (s *Store) HGet(key, field []byte) (v []byte, ok, found bool, err error) {
	found, err = s.read(key, KindHash, func(o object) { v, ok = o.(*hash).get(string(field)) })
	return v, ok, found, err
}

// HDel removes fields from key's hash and returns how many were there,
// and whether the key went with the last; rec is journalled only if that
// is some.
func (s *Store) HDel(key []byte, fields [][]byte, rec [][]byte) (n int, gone bool, err error) {
	return s.removeElems(key, KindHash, fields, rec)
}

// HGetAll returns key's hash as field, value, field, value..., in the
// hash's order: the order its fields were first set in.
func (s *Store) HGetAll(key []byte) ([][]byte, error) {
	var out [][]byte
	_, err := s.read(key, KindHash, func(o object) {
		h := o.(*hash)
		out = make([][]byte, 0, 2*h.size())
		h.each(func(f string, v []byte) { out = append(out, []byte(f), v) })
	})
	return out, err
}

// HExists reports whether field is in key's hash (ok), and whether key
// exists (found).
func (s *Store) HExists(key, field []byte) (ok, found bool, err error) {
	_, ok, found, err = s.HGet(key, field)
	return ok, found, err
}

// HIncrBy adds delta to field's value in key's hash, read as a decimal
// integer (a missing field is 0), journalling rec, and returns the new
// value.
func (s *Store) HIncrBy(key, field []byte, delta int64, rec [][]byte) (int64, error) {
	sh, e, err := s.lockWrite(key, KindHash)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	var cur int64
	if e != nil {
		if v, ok := e.obj.(*hash).get(string(field)); ok {
			if cur, ok = resp.ParseInt(v); !ok {
				return 0, ErrHashNotInteger
			}
		}
	}
	if delta < 0 && cur < 0 && delta < math.MinInt64-cur ||
		delta > 0 && cur > 0 && delta > math.MaxInt64-cur {
		return 0, ErrOverflow
	}
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	if e == nil {
		e = sh.addObject(key, newHash(1))
		s.added(e)
	}
	n := cur + delta
	e.obj.(*hash).setFitting(string(field), strconv.AppendInt(nil, n, 10), s.encodingLimits())
	return n, nil
}

// HSetNX sets field to value in key's hash, creating the hash if key is
// missing, only if field is not there yet, and reports whether it set it;
// rec is journalled only if it did.
func (s *Store) HSetNX(key, field, value []byte, rec [][]byte) (bool, error) {
	sh, e, err := s.lockWrite(key, KindHash)
	defer sh.mu.Unlock()
	if err != nil {
		return false, err
	}
	if e != nil && e.obj.(*hash).has(string(field)) {
		return false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	if e == nil {
		e = sh.addObject(key, newHash(1))
		s.added(e)
	}
	e.obj.(*hash).setFitting(string(field), clone(value), s.encodingLimits())
	return true, nil
}

// ErrHashNotFloat refuses HINCRBYFLOAT on a field that is not a number.
var ErrHashNotFloat = errors.New("store: hash value is not a float")

// HIncrByFloat adds delta to field's value in key's hash, read as a float
// (a missing field is 0), and returns the new value as it is stored. rec,
// if not nil, makes the record to journal from the new value: Redis
// journals HINCRBYFLOAT as an HSET of its result, so that a replay does
// not depend on how floats are added.
func (s *Store) HIncrByFloat(key, field []byte, delta float64, rec func(val []byte) [][]byte) ([]byte, error) {
	sh, e, err := s.lockWrite(key, KindHash)
	defer sh.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var cur float64
	if e != nil {
		if v, ok := e.obj.(*hash).get(string(field)); ok {
			if cur, ok = ParseScore(v); !ok {
				return nil, ErrHashNotFloat
			}
		}
	}
	v, err := s.addFloat(sh, cur, delta, rec)
	if err != nil {
		return nil, err
	}
	if e == nil {
		e = sh.addObject(key, newHash(1))
		s.added(e)
	}
	e.obj.(*hash).setFitting(string(field), v, s.encodingLimits())
	return v, nil
}

// HMGet returns the values of fields in key's hash, nil for each one
// missing, read at one instant, and whether key exists.
func (s *Store) HMGet(key []byte, fields [][]byte) (vals [][]byte, found bool, err error) {
	out := make([][]byte, len(fields))
	found, err = s.read(key, KindHash, func(o object) {
		h := o.(*hash)
		for i, f := range fields {
			if v, ok := h.get(string(f)); ok {
				out[i] = append(v[:0:0], v...) // never nil: nil is a missing field
			}
		}
	})
	return out, found, err
}
