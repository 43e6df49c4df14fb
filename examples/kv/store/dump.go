package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"

	"github.com/seamgo/seam/examples/kv/resp"
)

// DUMP's payload is kv's own, not Redis's RDB: it restores in kv, and a
// client treats it as opaque bytes either way. It is
//
//	"kv" version kind body crc32
//
// where version is 1, kind the Kind's byte, body the value itself for a
// string and, for the other kinds, the records of an append-only file
// rewrite that rebuild the value under the empty key, and crc32 (IEEE,
// little-endian) covers all that comes before it.
const dumpVersion = 1

// Errors of RESTORE.
var (
	// ErrBadPayload: the payload is not one of DUMP's, or is damaged.
	ErrBadPayload = errors.New("store: DUMP payload version or checksum are wrong")
	// ErrBusyKey: the key exists and REPLACE was not given.
	ErrBusyKey = errors.New("store: target key name already exists")
)

// Dump returns key's value serialized for [Store.Restore], and whether
// key exists.
func (s *Store) Dump(key []byte) ([]byte, bool, error) {
	sh := s.shard(key)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, _ := s.lookupRead(sh, key)
	if e == nil {
		return nil, false, nil
	}
	out := []byte{'k', 'v', dumpVersion, byte(kindOf(e))}
	if e.obj == nil {
		out = append(out, e.val...)
	} else {
		var d dumpBuf
		e.obj.appendRecords(&d, "")
		var body bytes.Buffer
		if _, err := d.b.WriteTo(&body, 0); err != nil {
			return nil, false, err
		}
		out = append(out, body.Bytes()...)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out)), true, nil
}

// Restore makes key hold the value payload (from [Store.Dump]) with
// expiry exp (unix milliseconds, 0 for none), replacing what key holds
// only if replace is set, and journals rec. It reports whether it created
// key, and whether it deleted one it replaced without creating it: an
// expiry already past creates nothing, but REPLACE still removes what was
// there, as in Redis.
func (s *Store) Restore(key, payload []byte, exp int64, replace bool, rec [][]byte) (created, deleted bool, err error) {
	obj, val, err := undump(payload)
	if err != nil {
		return false, false, err
	}
	if obj != nil {
		s.fitRestored(obj)
	}
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if err != nil {
		return false, false, err
	}
	if e != nil && !replace {
		return false, false, ErrBusyKey
	}
	if exp != 0 && !s.loading.Load() && exp <= s.now() {
		if e == nil {
			return false, false, nil
		}
		if err := s.record(sh, rec); err != nil {
			return false, false, err
		}
		sh.remove(e)
		return false, true, nil
	}
	if err := s.record(sh, rec); err != nil {
		return false, false, err
	}
	if e != nil {
		sh.remove(e)
	}
	var n *entry
	if obj == nil {
		n = sh.put(nil, key, val, exp, true)
	} else {
		n = sh.addObject(key, obj)
		sh.setExp(n, exp)
	}
	s.added(n) // even over an old key, as Redis deletes it first
	return true, false, nil
}

// undump checks and decodes a payload: a string's value, or an object.
func undump(p []byte) (object, []byte, error) {
	if len(p) < 8 || p[0] != 'k' || p[1] != 'v' || p[2] != dumpVersion {
		return nil, nil, ErrBadPayload
	}
	body, sum := p[:len(p)-4], binary.LittleEndian.Uint32(p[len(p)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, nil, ErrBadPayload
	}
	kind, body := Kind(body[3]), body[4:]
	var o object
	switch kind {
	case KindString:
		return nil, clone(body), nil
	case KindList:
		o = &list{}
	case KindSet:
		o = &set{m: map[string]struct{}{}}
	case KindHash:
		o = newHash(0)
	case KindZSet:
		o = &zset{scores: map[string]float64{}}
	case KindStream:
		st, now := newStream(), nowMillis()
		if !eachRecord(body, func(args [][]byte) bool { return st.applyRecord(args, now) }) {
			return nil, nil, ErrBadPayload
		}
		return st, nil, nil // a stream may be empty
	default:
		return nil, nil, ErrBadPayload
	}
	ok := eachRecord(body, func(args [][]byte) bool {
		return len(args) >= 3 && len(args[1]) == 0 && undumpRecord(o, args[2:])
	})
	if !ok || o.size() == 0 {
		return nil, nil, ErrBadPayload
	}
	return o, nil, nil
}

// eachRecord calls apply with each record of body, a payload's records,
// and reports whether they were whole and apply took every one.
func eachRecord(body []byte, apply func(args [][]byte) bool) bool {
	r := resp.NewReader(bytes.NewReader(body), resp.Options{NoInline: true})
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return r.Buffered() == 0 && errors.Is(err, io.EOF)
		}
		if !apply(args) {
			return false
		}
	}
}

// undumpRecord adds the elements of one record (after its command and
// key) to o, as the record's command would; false if they do not fit.
func undumpRecord(o object, elems [][]byte) bool {
	switch o := o.(type) {
	case *list:
		for _, v := range elems {
			o.pushBack(clone(v))
		}
	case *set:
		for _, m := range elems {
			if _, ok := o.m[string(m)]; !ok {
				o.m[string(m)] = struct{}{}
				o.bytes += int64(len(m))
			}
		}
	case *hash:
		if len(elems)%2 != 0 {
			return false
		}
		for i := 0; i < len(elems); i += 2 {
			o.set(string(elems[i]), clone(elems[i+1]))
		}
	case *zset:
		if len(elems)%2 != 0 {
			return false
		}
		for i := 0; i < len(elems); i += 2 {
			score, ok := ParseScore(elems[i])
			if !ok {
				return false
			}
			o.set(string(elems[i+1]), score)
		}
	}
	return true
}
