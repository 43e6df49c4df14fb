package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

func cmdDel(c *conn, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		ok, err := c.db.Del(k, c.record(wordDel, k))
		if err != nil {
			c.writeStoreError(err)
			return
		}
		if ok {
			n++
			c.notify(evGeneric, "del", k)
		}
	}
	c.w.WriteInt(n)
}

func cmdExists(c *conn, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		found := c.db.Exists(k)
		c.lookedUp(k, found, nil)
		if found {
			n++
		}
	}
	c.w.WriteInt(n)
}

func cmdExpire(c *conn, args [][]byte)    { c.expire(args, "expire", 1000, false) }
func cmdPExpire(c *conn, args [][]byte)   { c.expire(args, "pexpire", 1, false) }
func cmdExpireAt(c *conn, args [][]byte)  { c.expire(args, "expireat", 1000, true) }
func cmdPExpireAt(c *conn, args [][]byte) { c.expire(args, "pexpireat", 1, true) }

// expire is Redis's expireGenericCommand: options NX, XX, GT, LT, then the
// time, scaled by unit milliseconds and made absolute unless it is already.
// Whatever the form, it is journalled as PEXPIREAT with the absolute time.
func (c *conn) expire(args [][]byte, name string, unit int64, absolute bool) {
	var cond store.ExpireCond
	for _, opt := range args[3:] {
		switch {
		case eqFold(opt, "NX"):
			cond |= store.ExpireNX
		case eqFold(opt, "XX"):
			cond |= store.ExpireXX
		case eqFold(opt, "GT"):
			cond |= store.ExpireGT
		case eqFold(opt, "LT"):
			cond |= store.ExpireLT
		default:
			c.w.WriteError("ERR Unsupported option " + string(opt))
			return
		}
	}
	if cond&store.ExpireNX != 0 && cond&^store.ExpireNX != 0 {
		c.w.WriteError("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	if cond&store.ExpireGT != 0 && cond&store.ExpireLT != 0 {
		c.w.WriteError("ERR GT and LT options at the same time are not compatible")
		return
	}
	when, ok := c.expiryMillis(args[2], name, unit, absolute, false)
	if !ok {
		return
	}
	c.num = strconv.AppendInt(c.num[:0], when, 10)
	change, err := c.db.Expire(args[1], when, cond, c.record(wordPExpireAt, args[1], c.num))
	switch change {
	case store.ExpirySet:
		c.notify(evGeneric, "expire", args[1])
	case store.ExpiryDeleted: // a time already passed
		c.notify(evGeneric, "del", args[1])
	}
	c.writeFlag(change != store.ExpiryKept, err)
}

func cmdTTL(c *conn, args [][]byte) {
	ttl := c.db.TTL(args[1])
	c.lookedUp(args[1], ttl != -2, nil)
	if ttl > 0 {
		ttl = (ttl + 500) / 1000 // Redis rounds to the nearest second
	}
	c.w.WriteInt(ttl)
}

func cmdPTTL(c *conn, args [][]byte) {
	ttl := c.db.TTL(args[1])
	c.lookedUp(args[1], ttl != -2, nil)
	c.w.WriteInt(ttl)
}

func cmdPersist(c *conn, args [][]byte) {
	ok, err := c.db.Persist(args[1], c.recordArgs(args))
	if ok && err == nil {
		c.notify(evGeneric, "persist", args[1])
	}
	c.writeFlag(ok, err)
}

func cmdKeys(c *conn, args [][]byte) {
	keys := c.db.Keys(string(args[1]))
	c.w.WriteArrayHeader(len(keys))
	for _, k := range keys {
		c.w.WriteBulkString(k)
	}
}

// cmdScan is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
func cmdScan(c *conn, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.w.WriteError(errInvalidCurs)
		return
	}
	count := int64(10)
	var pattern string
	kind, typed := store.KindNone, false
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.WriteError(errSyntax)
			return
		}
		opt, val := args[i], args[i+1]
		switch {
		case eqFold(opt, "COUNT"):
			n, ok := c.scanCount(val)
			if !ok {
				return
			}
			count = n
		case eqFold(opt, "MATCH"):
			pattern = string(val)
			if pattern == "*" {
				pattern = ""
			}
		case eqFold(opt, "TYPE"):
			// An unknown type matches nothing, as in Redis 7.0.
			var known bool
			kind, known = store.ParseKind(strings.ToLower(string(val)))
			typed = true
			if !known || kind == store.KindNone {
				kind = ^store.Kind(0) // no key has it
			}
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	next, keys := c.db.Scan(cursor, int(min(count, math.MaxInt32)), pattern)
	if typed {
		// Filtered after the scan, as Redis does: a key whose type
		// changes meanwhile is judged by its type now. Redis reads each
		// key for its type, and counts that read as a command's.
		kept := keys[:0]
		for _, k := range keys {
			key := []byte(k)
			have := c.db.Type(key)
			c.lookedUp(key, have != store.KindNone, nil)
			if have == kind {
				kept = append(kept, k)
			}
		}
		keys = kept
	}
	c.w.WriteArrayHeader(2)
	c.num = strconv.AppendUint(c.num[:0], next, 10)
	c.w.WriteBulk(c.num)
	c.w.WriteArrayHeader(len(keys))
	for _, k := range keys {
		c.w.WriteBulkString(k)
	}
}

// parseCursor reads a SCAN cursor as Redis's strtoull check does:
// unsigned decimal digits, nothing else.
// scanCount reads a SCAN-family COUNT, replying with Redis's error if it
// is not a positive integer.
func (c *conn) scanCount(val []byte) (int64, bool) {
	n, ok := resp.ParseInt(val)
	switch {
	case !ok:
		c.w.WriteError(errNotInteger)
	case n < 1:
		c.w.WriteError(errSyntax)
	default:
		return n, true
	}
	return 0, false
}

func parseCursor(b []byte) (uint64, bool) {
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func cmdDBSize(c *conn, _ [][]byte) {
	c.w.WriteInt(int64(c.db.Len()))
}

// cmdFlush is FLUSHDB and FLUSHALL [ASYNC|SYNC]. FLUSHALL empties every
// database one after the other, each journalled as a FLUSHDB of its own
// (after its SELECT): a write to a database not yet emptied then comes
// before its FLUSHDB in the file as in memory. A FLUSHALL found in a
// file, which kv wrote before it had databases, replays the same way.
func cmdFlush(c *conn, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !eqFold(args[1], "ASYNC") && !eqFold(args[1], "SYNC") {
		c.w.WriteError(errSyntax)
		return
	}
	dbs := []*store.Store{c.db}
	if eqFold(args[0], "FLUSHALL") {
		dbs = dbs[:0]
		for n := range store.NumDBs {
			dbs = append(dbs, c.h.store.DB(n))
		}
	}
	for _, db := range dbs {
		c.h.watches.touchExisting(db)
		if err := db.Flush(c.record(wordFlushDB)); err != nil {
			c.writeStoreError(err)
			return
		}
	}
	// A client blocked in XREADGROUP on a key flushed is told that its
	// stream is gone, as in Redis.
	idx := make([]int, len(dbs))
	for i, db := range dbs {
		idx[i] = db.Index()
	}
	c.h.serveDB(idx...)
	c.w.WriteOK()
}
