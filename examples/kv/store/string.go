package store

import (
	"errors"
	"math"
	"strconv"
)

// ErrNaNOrInf refuses an INCRBYFLOAT whose result is not a finite number.
var ErrNaNOrInf = errors.New("store: increment would produce NaN or Infinity")

// SetRange overwrites key's value from offset with val, padding with zero
// bytes past its end (a missing key is empty), keeping its expiry, and
// returns the new length. An empty val changes nothing and creates nothing,
// as in Redis. The value is copied, never changed in place: a reader may
// still hold the old slice.
func (s *Store) SetRange(key []byte, offset int, val []byte, rec [][]byte) (int, error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	var cur []byte
	if e != nil {
		cur = e.val
	}
	if len(val) == 0 {
		return len(cur), nil
	}
	if offset > MaxValueLen-len(val) {
		return 0, ErrTooLarge
	}
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	n := max(len(cur), offset+len(val))
	v := make([]byte, n)
	copy(v, cur)
	copy(v[offset:], val)
	s.rewrite(sh, e, key, v, formRaw)
	return n, nil
}

// FormatFloat writes f as Redis writes the result of INCRBYFLOAT and
// HINCRBYFLOAT: in plain decimal, without an exponent or trailing zeros.
func FormatFloat(dst []byte, f float64) []byte {
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// IncrByFloat adds delta to key's value, read as a float (a missing key
// is 0), keeping its expiry, and returns the new value as it is stored.
// rec, if not nil, makes the record to journal from the new value: Redis
// journals INCRBYFLOAT as a SET of its result, so that a replay does not
// depend on how floats are added.
func (s *Store) IncrByFloat(key []byte, delta float64, rec func(val []byte) [][]byte) ([]byte, error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var cur float64
	if e != nil {
		var ok bool
		if cur, ok = ParseScore(e.val); !ok {
			return nil, ErrNotFloat
		}
	}
	v, err := s.addFloat(sh, cur, delta, rec)
	if err != nil {
		return nil, err
	}
	s.rewrite(sh, e, key, v, formNoInt)
	return v, nil
}

// addFloat is INCRBYFLOAT's and HINCRBYFLOAT's sum: cur + delta as it is
// stored, journalled through rec (nil: not journalled), or ErrNaNOrInf.
// sh must be locked.
func (s *Store) addFloat(sh *shard, cur, delta float64, rec func(val []byte) [][]byte) ([]byte, error) {
	n := cur + delta
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, ErrNaNOrInf
	}
	v := FormatFloat(nil, n)
	if rec != nil {
		if err := s.record(sh, rec(v)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// GetExAction is what GETEX does to the expiry of the key it reads.
type GetExAction uint8

// GETEX's actions: nothing, set an expiry (EX, PX, EXAT, PXAT), remove it
// (PERSIST).
const (
	GetExKeep GetExAction = iota
	GetExExpire
	GetExPersist
)

// GetEx returns key's value and changes its expiry as action says, at
// (unix milliseconds) for GetExExpire, journalling rec when the expiry
// changes, and reports the change. A time already passed deletes the key,
// journalled as DEL, and still returns the value, as Redis does. The
// slice is the stored one: never modify it.
func (s *Store) GetEx(key []byte, action GetExAction, at int64, rec [][]byte) ([]byte, bool, ExpiryChange, error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return nil, false, ExpiryKept, err
	}
	v, change := e.val, ExpiryKept
	switch {
	case action == GetExExpire && !s.loading.Load() && at <= s.now():
		err, change = s.deleteNow(sh, e, key), ExpiryDeleted
	case action == GetExExpire:
		if err = s.record(sh, rec); err == nil {
			sh.setExp(e, at)
		}
		change = ExpirySet
	case action == GetExPersist && e.exp != 0:
		if err = s.record(sh, rec); err == nil {
			sh.setExp(e, 0)
		}
		change = ExpiryRemoved
	}
	if err != nil {
		return nil, false, ExpiryKept, err
	}
	return v, true, change, nil
}

// SetBit sets the bit at offset of key's value (bit 0 is the most
// significant of the first byte) to bit, growing the value with zero bytes
// as needed, keeping its expiry, and returns the bit it had (SETBIT), and
// whether the value changed: a bit set to what it was, within the value,
// changes nothing and is not journalled, as in Redis. The value is
// copied, never changed in place: a reader may still hold it.
func (s *Store) SetBit(key []byte, offset uint64, bit bool, rec [][]byte) (old, changed bool, err error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if err != nil {
		return false, false, err
	}
	var cur []byte
	if e != nil {
		cur = e.val
	}
	i, mask := offset/8, byte(0x80>>(offset%8))
	old = i < uint64(len(cur)) && cur[i]&mask != 0
	if e != nil && i < uint64(len(cur)) && old == bit {
		sh.setForm(e.key, formRaw) // Redis unshares the value all the same
		return old, false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return false, false, err
	}
	v := make([]byte, max(uint64(len(cur)), i+1))
	copy(v, cur)
	if bit {
		v[i] |= mask
	} else {
		v[i] &^= mask
	}
	s.rewrite(sh, e, key, v, formRaw)
	return old, true, nil
}
