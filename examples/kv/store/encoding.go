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

// Encoding returns the name Redis 7.0's OBJECT ENCODING would give key's
// value under lim, and false if key is missing. kv keeps every value in
// one Go form whatever its size: the name is worked out from the value as
// it is now (size, element lengths, integer members), which is Redis's
// encoding for a value built by additions. Redis never converts a value
// back to its compact encoding when it shrinks, nor a string it has
// appended to back to "embstr"; kv reports what the value would have if
// it had been built as it is.
func (s *Store) Encoding(key []byte, lim EncodingLimits) (string, bool) {
	sh := s.shard(key)
	sh.mu.RLock()
	e, expired := s.lookupRead(sh, key)
	var enc string
	if e != nil {
		enc = encodingOf(e, lim)
	}
	sh.mu.RUnlock()
	if expired {
		s.expire(sh, key)
	}
	return enc, e != nil
}

func encodingOf(e *entry, lim EncodingLimits) string {
	switch o := e.obj.(type) {
	case nil:
		if n, ok := resp.ParseInt(e.val); ok && len(e.val) <= 20 && string(strconv.AppendInt(nil, n, 10)) == string(e.val) {
			return "int"
		}
		if len(e.val) <= embstrMax {
			return "embstr"
		}
		return "raw"
	case *list:
		return "quicklist" // Redis 7.0's only list encoding
	case *set:
		if int64(len(o.m)) > lim.SetIntEntries {
			return "hashtable"
		}
		for m := range o.m {
			if n, err := strconv.ParseInt(m, 10, 64); err != nil || strconv.FormatInt(n, 10) != m {
				return "hashtable"
			}
		}
		return "intset"
	case *hash:
		if int64(len(o.m)) > lim.HashEntries {
			return "hashtable"
		}
		for f, v := range o.m {
			if int64(len(f)) > lim.HashValue || int64(len(v)) > lim.HashValue {
				return "hashtable"
			}
		}
		return "listpack"
	case *zset:
		if int64(len(o.order)) > lim.ZSetEntries {
			return "skiplist"
		}
		for _, it := range o.order {
			if int64(len(it.member)) > lim.ZSetValue {
				return "skiplist"
			}
		}
		return "listpack"
	case *stream:
		return "stream"
	}
	return "unknown"
}
