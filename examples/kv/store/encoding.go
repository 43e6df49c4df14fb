package store

import (
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// EncodingLimits are the thresholds under which Redis 7.0 keeps a value in
// its compact encoding, as its configuration names them.
type EncodingLimits struct {
	HashEntries, HashValue int64 // hash-max-listpack-entries, hash-max-listpack-value
	ZSetEntries, ZSetValue int64 // zset-max-listpack-entries, zset-max-listpack-value
	SetIntEntries          int64 // set-max-intset-entries
}

// DefaultEncodingLimits are Redis 7.0's defaults.
var DefaultEncodingLimits = EncodingLimits{
	HashEntries: 128, HashValue: 64, ZSetEntries: 128, ZSetValue: 64, SetIntEntries: 512,
}

// embstrMax is the longest string Redis 7 stores embedded in its object.
const embstrMax = 44

// strForm is how Redis holds a string that is not in the encoding its
// size gives it ("int" for an integer of up to 20 characters, "embstr"
// up to embstrMax bytes, "raw" beyond: tryObjectEncoding, which every
// write of a whole value goes through). A shard remembers the form of
// such strings only; any write of a whole value forgets it.
type strForm uint8

const (
	formBySize strForm = iota
	// formRaw: APPEND to a key, SETRANGE and SETBIT work on a raw copy
	// of the value (dbUnshareStringValue), which stays raw.
	formRaw
	// formNoInt: INCRBYFLOAT's result is never an "int"
	// (createStringObjectFromLongDouble).
	formNoInt
)

// setForm records key's string's form; the shard must be write-locked.
func (sh *shard) setForm(key string, f strForm) {
	if f == formBySize {
		delete(sh.forms, key)
		return
	}
	if sh.forms == nil {
		sh.forms = make(map[string]strForm)
	}
	sh.forms[key] = f
}

// SetEncodingLimits sets the thresholds every database's writes judge
// encodings by from now on (CONFIG SET): a value already stored keeps the
// encoding it has, as in Redis. Until it is called they are
// [DefaultEncodingLimits].
func (s *Store) SetEncodingLimits(lim EncodingLimits) { s.limits.Store(&lim) }

// encodingLimits returns the thresholds in force.
func (s *Store) encodingLimits() EncodingLimits {
	if l := s.limits.Load(); l != nil {
		return *l
	}
	return DefaultEncodingLimits
}

// Encoding returns the name Redis 7.0's OBJECT ENCODING would give key's
// value, and false if key is missing. kv keeps every value in one Go form
// whatever its size, and remembers the encoding Redis would have chosen:
// each write decides it under the thresholds in force at that moment
// ([Store.SetEncodingLimits]), and converts only one way, as Redis does:
// a value that shrinks keeps the encoding it grew into.
func (s *Store) Encoding(key []byte) (string, bool) {
	sh := s.shard(key)
	sh.mu.RLock()
	e, expired := s.lookupRead(sh, key)
	var enc string
	if e != nil {
		enc = encodingOf(e, sh.forms[e.key])
	}
	sh.mu.RUnlock()
	if expired {
		s.expire(sh, key)
	}
	return enc, e != nil
}

// hashFits reports whether a field or value of n bytes may be in a hash
// held as a listpack under lim.
func (lim EncodingLimits) hashFits(n int) bool { return int64(n) <= lim.HashValue }

// fitRestored gives a value restored whole (RESTORE) the encoding Redis
// gives it: by its size under the thresholds in force, whatever it had
// when it was dumped.
func (s *Store) fitRestored(o object) {
	lim := s.encodingLimits()
	switch o := o.(type) {
	case *hash:
		o.fit(lim)
	case *set:
		o.fit(lim)
	case *zset:
		o.fit(lim)
	}
}

func encodingOf(e *entry, form strForm) string {
	switch o := e.obj.(type) {
	case nil:
		if form == formRaw {
			return "raw"
		}
		if n, ok := resp.ParseInt(e.val); ok && form != formNoInt && len(e.val) <= 20 && string(strconv.AppendInt(nil, n, 10)) == string(e.val) {
			return "int"
		}
		if len(e.val) <= embstrMax {
			return "embstr"
		}
		return "raw"
	case *list:
		return "quicklist" // Redis 7.0's only list encoding
	case *set:
		if o.table {
			return "hashtable"
		}
		return "intset"
	case *hash:
		if o.table {
			return "hashtable"
		}
		return "listpack"
	case *zset:
		if o.skiplist {
			return "skiplist"
		}
		return "listpack"
	case *stream:
		return "stream"
	}
	return "unknown"
}
