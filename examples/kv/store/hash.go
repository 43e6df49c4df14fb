package store

import (
	"errors"
	"math"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// hash maps fields to values.
type hash struct {
	m     map[string][]byte
	bytes int64
}

func (h *hash) kind() Kind { return KindHash }
func (h *hash) size() int  { return len(h.m) }
func (h *hash) usage() int64 {
	return h.bytes + int64(len(h.m))*2*elemOverhead
}

var wordHSet = []byte("HSET")

func (h *hash) appendRecords(d *dumpBuf, key string) {
	args := make([][]byte, 0, 2+2*itemsPerRecord)
	for f, v := range h.m {
		if len(args) == 0 {
			args = append(args, wordHSet, []byte(key))
		}
		args = append(args, []byte(f), v)
		if len(args) == 2+2*itemsPerRecord {
			d.record(args...)
			args = args[:0]
		}
	}
	if len(args) > 0 {
		d.record(args...)
	}
}

func (h *hash) set(f string, v []byte) (added bool) {
	old, ok := h.m[f]
	if ok {
		h.bytes -= int64(len(old))
	} else {
		h.bytes += int64(len(f))
	}
	h.m[f] = v
	h.bytes += int64(len(v))
	return !ok
}

// HSet sets fields to values (pairs is field, value, field, value...) in
// key's hash, creating it if key is missing, journalling rec, and returns
// how many fields are new.
func (s *Store) HSet(key []byte, pairs [][]byte, rec [][]byte) (int, error) {
	sh, e, err := s.lockCreate(key, KindHash, rec, func() object {
		return &hash{m: make(map[string][]byte, len(pairs)/2)}
	})
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	h := e.obj.(*hash)
	added := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if h.set(string(pairs[i]), clone(pairs[i+1])) {
			added++
		}
	}
	return added, nil
}

// HGet returns field's value in key's hash.
func (s *Store) HGet(key, field []byte) ([]byte, bool, error) {
	var v []byte
	var ok bool
	err := s.read(key, KindHash, func(o object) { v, ok = o.(*hash).m[string(field)] })
	return v, ok, err
}

// HDel removes fields from key's hash and returns how many were there,
// and whether the key went with the last; rec is journalled only if that
// is some.
func (s *Store) HDel(key []byte, fields [][]byte, rec [][]byte) (n int, gone bool, err error) {
	return s.removeElems(key, KindHash, fields, rec)
}

func (h *hash) has(f string) bool { _, ok := h.m[f]; return ok }

func (h *hash) del(f string) {
	h.bytes -= int64(len(f) + len(h.m[f]))
	delete(h.m, f)
}

// HGetAll returns key's hash as field, value, field, value..., in no
// particular order.
func (s *Store) HGetAll(key []byte) ([][]byte, error) {
	var out [][]byte
	err := s.read(key, KindHash, func(o object) {
		h := o.(*hash)
		out = make([][]byte, 0, 2*len(h.m))
		for f, v := range h.m {
			out = append(out, []byte(f), v)
		}
	})
	return out, err
}

// HExists reports whether field is in key's hash.
func (s *Store) HExists(key, field []byte) (bool, error) {
	_, ok, err := s.HGet(key, field)
	return ok, err
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
		if v, ok := e.obj.(*hash).m[string(field)]; ok {
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
		e = sh.addObject(key, &hash{m: make(map[string][]byte, 1)})
		s.added(e)
	}
	n := cur + delta
	e.obj.(*hash).set(string(field), strconv.AppendInt(nil, n, 10))
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
		e = sh.addObject(key, &hash{m: make(map[string][]byte, 1)})
		s.added(e)
	}
	e.obj.(*hash).set(string(field), clone(value))
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
		if v, ok := e.obj.(*hash).m[string(field)]; ok {
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
		e = sh.addObject(key, &hash{m: make(map[string][]byte, 1)})
		s.added(e)
	}
	e.obj.(*hash).set(string(field), v)
	return v, nil
}

// HMGet returns the values of fields in key's hash, nil for each one
// missing, read at one instant.
func (s *Store) HMGet(key []byte, fields [][]byte) ([][]byte, error) {
	out := make([][]byte, len(fields))
	err := s.read(key, KindHash, func(o object) {
		h := o.(*hash)
		for i, f := range fields {
			if v, ok := h.m[string(f)]; ok {
				out[i] = append(v[:0:0], v...) // never nil: nil is a missing field
			}
		}
	})
	return out, err
}
