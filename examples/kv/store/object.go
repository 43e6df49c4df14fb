package store

import (
	"errors"
	"strconv"
)

// Kind is the type of a key's value, as Redis's TYPE names it.
type Kind uint8

// The kinds of value. KindNone is a missing key.
const (
	KindNone Kind = iota
	KindString
	KindList
	KindSet
	KindHash
	KindZSet
	KindStream
)

var kindNames = [...]string{"none", "string", "list", "set", "hash", "zset", "stream"}

// String returns the name TYPE replies with.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind" + strconv.Itoa(int(k))
}

// ParseKind reads a type name as SCAN's TYPE option gives it.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return KindNone, false
}

// Errors of the aggregate types' writes, besides ErrWrongType.
var (
	ErrHashNotInteger = errors.New("store: hash value is not an integer")
	ErrNotFloat       = errors.New("store: value is not a valid float")
	ErrScoreNaN       = errors.New("store: resulting score is not a number (NaN)")
	ErrNoSuchKey      = errors.New("store: no such key")
)

// object is a value other than a string: a list, set, hash, sorted set
// or stream. It is owned by its entry and changed only under its shard's
// write lock. An object other than a stream is never empty: the write
// that empties one removes its key, as Redis does; a stream lives on
// empty, as in Redis.
type object interface {
	kind() Kind
	// size is the number of elements.
	size() int
	// usage estimates the bytes the value holds, for MEMORY USAGE.
	usage() int64
	// appendRecords appends the records that rebuild the value under key
	// to d, for a rewrite of the append-only file.
	appendRecords(d *dumpBuf, key string)
}

func kindOf(e *entry) Kind {
	if e.obj == nil {
		return KindString
	}
	return e.obj.kind()
}

// lockWrite write-locks key's shard and finds key for a write, removing it
// first if it has expired. The entry is nil if key is missing; the error
// is ErrWrongType if key holds another kind than k. The caller unlocks the
// shard, whatever the error.
func (s *Store) lockWrite(key []byte, k Kind) (*shard, *entry, error) {
	sh, e, err := s.lockLookup(key)
	if err == nil && e != nil && kindOf(e) != k {
		err = ErrWrongType
	}
	return sh, e, err
}

// lockCreate is lockWrite for a write that always changes key: it
// journals rec, then adds the object fresh makes if key is missing, so the
// entry is never nil without an error. The caller unlocks the shard,
// whatever the error.
func (s *Store) lockCreate(key []byte, k Kind, rec [][]byte, fresh func() object) (*shard, *entry, error) {
	sh, e, err := s.lockWrite(key, k)
	if err == nil {
		err = s.record(sh, rec)
	}
	if err == nil && e == nil {
		e = sh.addObject(key, fresh())
		s.added(e)
	}
	return sh, e, err
}

// read runs fn with key's object under its shard's read lock, if key holds
// one of kind k; it returns ErrWrongType if key holds another kind. fn must
// not keep what it reads beyond the call except element slices, which are
// never modified once stored. found reports whether key exists, whatever
// its kind: a server counts a read's hit or miss by it, as Redis counts
// the lookup before it checks the type.
func (s *Store) read(key []byte, k Kind, fn func(o object)) (found bool, err error) {
	s.readEntry(key, func(e *entry) {
		found = e != nil
		switch {
		case e == nil: // missing: nothing to read, and no error
		case kindOf(e) != k:
			err = ErrWrongType
		default:
			fn(e.obj)
		}
	})
	return found, err
}

// addObject stores o under the new key. The shard must be write-locked.
func (sh *shard) addObject(key []byte, o object) *entry {
	k := string(key)
	e := &entry{key: k, obj: o}
	sh.keys[k] = e
	return e
}

// removeIfEmpty removes e once the write that emptied its object is done,
// and reports whether it did: Redis sends "del" for such a key.
func (sh *shard) removeIfEmpty(e *entry) bool {
	if e.obj != nil && e.obj.size() == 0 {
		sh.remove(e)
		return true
	}
	return false
}

// clone copies an argument that is to be kept: the reader's buffer is
// reused for the next command.
func clone(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}

// elemOverhead is what one element costs besides its bytes in the maps and
// slices that hold it, roughly: a string or slice header and a share of a
// map bucket. It makes MEMORY USAGE an estimate of the same order as
// Redis's, not an exact count of the Go heap.
const elemOverhead = 32

// elems is an object whose elements can be looked up and removed by name:
// a set's members, a hash's fields, a sorted set's members.
type elems interface {
	has(name string) bool
	del(name string)
}

// removeElems removes names from key's object of kind k (SREM, HDEL,
// ZREM) and returns how many were there, a name given twice counting
// once; rec is journalled only if that is some. The key goes when its
// object is empty, and gone says so.
func (s *Store) removeElems(key []byte, k Kind, names [][]byte, rec [][]byte) (n int, gone bool, err error) {
	sh, e, err := s.lockWrite(key, k)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return 0, false, err
	}
	o := e.obj.(elems)
	n, err = removeDistinct(s, sh, names, func(b []byte) string { return string(b) }, rec, o.has, o.del)
	if n == 0 || err != nil {
		return 0, false, err
	}
	return n, sh.removeIfEmpty(e), nil
}

// removeDistinct is the removal of SREM, HDEL, ZREM, XDEL and XACK, sh
// write-locked: the distinct names (by key) that has finds are removed
// with del, after rec is journalled, and counted; nothing is journalled
// if none is there.
func removeDistinct[N any, K comparable](s *Store, sh *shard, names []N, key func(N) K, rec [][]byte, has func(K) bool, del func(K)) (int, error) {
	seen := make(map[K]struct{}, len(names))
	for _, n := range names {
		if k := key(n); has(k) {
			seen[k] = struct{}{}
		}
	}
	if len(seen) == 0 {
		return 0, nil
	}
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	for k := range seen {
		del(k)
	}
	return len(seen), nil
}
