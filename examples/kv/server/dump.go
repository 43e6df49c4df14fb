package server

import (
	"errors"
	"math"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// DUMP and RESTORE move a value between keys and servers of kv. The
// payload is kv's own (see store.Dump), not Redis's RDB encoding: a
// payload from redis-server is refused as damaged, as one of another
// Redis version is.

var (
	wordRestore = []byte("RESTORE")
	wordAbsTTL  = []byte("ABSTTL")
	wordReplace = []byte("REPLACE")
)

// cmdDump is DUMP key: the value's payload, or nil.
func cmdDump(c *conn, args [][]byte) {
	v, found, err := c.db.Dump(args[1])
	c.writeLookup(args[1], v, found, err)
}

// cmdRestore is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s]
// [FREQ f], journalled with the expiry as an absolute time, as SET EX
// is. IDLETIME and FREQ are checked and ignored: kv keeps no access
// times for eviction.
func cmdRestore(c *conn, args [][]byte) {
	var replace, abs bool
	for i := 4; i < len(args); i++ {
		switch a := args[i]; {
		case eqFold(a, "REPLACE"):
			replace = true
		case eqFold(a, "ABSTTL"):
			abs = true
		case (eqFold(a, "IDLETIME") || eqFold(a, "FREQ")) && i+1 < len(args):
			n, ok := resp.ParseInt(args[i+1])
			switch {
			case !ok:
				c.w.WriteError(errNotInteger)
				return
			case n < 0 && eqFold(a, "IDLETIME"):
				c.w.WriteError("ERR Invalid IDLETIME value, must be >= 0")
				return
			case (n < 0 || n > 255) && eqFold(a, "FREQ"):
				c.w.WriteError("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			i++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	// Redis's order of checks: options, the key, the TTL, the payload.
	if !replace && c.db.Exists(args[1]) {
		c.w.WriteError("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	if ttl < 0 {
		c.w.WriteError("ERR Invalid TTL value, must be >= 0")
		return
	}
	at := ttl
	if ttl > 0 && !abs {
		now := c.db.Now()
		if ttl > math.MaxInt64-now {
			c.w.WriteError("ERR Invalid TTL value, must be >= 0")
			return
		}
		at = now + ttl
	}
	var rec [][]byte
	if !c.replay {
		c.num = strconv.AppendInt(c.num[:0], at, 10)
		rec = c.record(wordRestore, args[1], c.num, args[3], wordAbsTTL)
		if replace {
			rec = append(rec, wordReplace)
		}
	}
	created, deleted, err := c.db.Restore(args[1], args[3], at, replace, rec)
	switch {
	case created:
		c.notify(evGeneric, "restore", args[1])
	case deleted: // by REPLACE, with an expiry already past
		c.notify(evGeneric, "del", args[1])
	}
	switch {
	case errors.Is(err, store.ErrBadPayload):
		c.w.WriteError("ERR DUMP payload version or checksum are wrong")
	case errors.Is(err, store.ErrBusyKey):
		c.w.WriteError("BUSYKEY Target key name already exists.")
	case err != nil:
		c.writeStoreError(err)
	default:
		c.w.WriteOK()
	}
}
