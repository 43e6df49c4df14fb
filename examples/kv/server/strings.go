package server

import (
	"math"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// Words of the records journalled in a form other than the command's own.
var (
	wordSet       = []byte("SET")
	wordDel       = []byte("DEL")
	wordPXAT      = []byte("PXAT")
	wordKeepTTL   = []byte("KEEPTTL")
	wordPExpireAt = []byte("PEXPIREAT")
	wordFlushDB   = []byte("FLUSHDB")
)

func cmdGet(c *conn, args [][]byte) {
	v, ok, err := c.db.GetString(args[1])
	if !ok {
		c.missed(args[1])
		c.w.WriteNull()
		return
	}
	c.hits++ // a key of another type too: Redis counts the lookup before it checks the type
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteBulk(v)
}

// cmdSet is SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT ms-t|KEEPTTL],
// with Redis's rules for which options combine. A relative expiry is
// journalled as PXAT, so that a replay at a later time is right.
func cmdSet(c *conn, args [][]byte) {
	var o store.SetOptions
	var get, haveExpiry, seconds, relative bool
	var expArg []byte
	for i := 3; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "NX") && o.Mode != store.SetIfExists:
			o.Mode = store.SetIfAbsent
		case eqFold(a, "XX") && o.Mode != store.SetIfAbsent:
			o.Mode = store.SetIfExists
		case eqFold(a, "GET"):
			get = true
		case eqFold(a, "KEEPTTL") && !haveExpiry:
			o.KeepTTL = true
		case (eqFold(a, "EX") || eqFold(a, "PX") || eqFold(a, "EXAT") || eqFold(a, "PXAT")) &&
			!o.KeepTTL && !haveExpiry && i+1 < len(args):
			haveExpiry, expArg = true, args[i+1]
			seconds = eqFold(a, "EX") || eqFold(a, "EXAT")
			relative = eqFold(a, "EX") || eqFold(a, "PX")
			i++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	if haveExpiry {
		unit := int64(1)
		if seconds {
			unit = 1000
		}
		at, ok := c.expiryMillis(expArg, "set", unit, !relative, true)
		if !ok {
			return
		}
		o.ExpireAt = at
	}
	o.Get = get
	key, val := args[1], args[2]
	o.Owned = c.owned(2)
	var rec [][]byte
	switch {
	case o.ExpireAt != 0:
		c.num = strconv.AppendInt(c.num[:0], o.ExpireAt, 10)
		rec = c.record(wordSet, key, val, wordPXAT, c.num)
	case o.KeepTTL:
		rec = c.record(wordSet, key, val, wordKeepTTL)
	default:
		rec = c.record(wordSet, key, val)
	}
	old, hadOld, set, err := c.db.Set(key, val, o, rec)
	if get {
		c.countLookup(hadOld, err) // SET ... GET reads the key as GET does
	}
	if set && err == nil {
		c.notify(evString, "set", key)
		if o.ExpireAt != 0 {
			c.notify(evGeneric, "expire", key)
		}
	}
	switch {
	case err != nil:
		c.writeStoreError(err)
	case get && hadOld:
		c.w.WriteBulk(old)
	case get, !set:
		c.w.WriteNull()
	default:
		c.w.WriteOK()
	}
}

// expiryMillis converts the time argument of SET's EX/PX/EXAT/PXAT or of
// the EXPIRE family to unix milliseconds: scaled by unit milliseconds, and
// made absolute unless it already is. If arg is not an integer, is not
// above zero where positive says it must be (SET), or overflows, it replies
// with Redis's error for cmd and reports false.
func (c *conn) expiryMillis(arg []byte, cmd string, unit int64, absolute, positive bool) (int64, bool) {
	n, ok := resp.ParseInt(arg)
	if !ok {
		c.w.WriteError(errNotInteger)
		return 0, false
	}
	if positive && n <= 0 || n > math.MaxInt64/unit || n < math.MinInt64/unit {
		return 0, c.invalidExpire(cmd)
	}
	n *= unit
	if !absolute {
		now := c.db.Now()
		if n > math.MaxInt64-now {
			return 0, c.invalidExpire(cmd)
		}
		n += now
	}
	return n, true
}

// invalidExpire replies with Redis's error for an expire time out of range;
// the text is built only then.
func (c *conn) invalidExpire(cmd string) bool {
	c.w.WriteError("ERR invalid expire time in '" + cmd + "' command")
	return false
}

func cmdGetSet(c *conn, args [][]byte) {
	old, hadOld, _, err := c.db.Set(args[1], args[2], store.SetOptions{Get: true}, c.record(wordSet, args[1], args[2]))
	c.countLookup(hadOld, err) // GETSET reads the key as GET does
	if err == nil {
		c.notify(evString, "set", args[1])
	}
	switch {
	case err != nil:
		c.writeStoreError(err)
	case hadOld:
		c.w.WriteBulk(old)
	default:
		c.w.WriteNull()
	}
}

func cmdIncr(c *conn, args [][]byte) { c.incrBy(args, 1) }
func cmdDecr(c *conn, args [][]byte) { c.incrBy(args, -1) }

func cmdIncrBy(c *conn, args [][]byte) {
	n, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	c.incrBy(args, n)
}

func cmdDecrBy(c *conn, args [][]byte) {
	n, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.w.WriteError("ERR decrement would overflow")
		return
	}
	c.incrBy(args, -n)
}

// incrBy journals the command as received: replayed against the same
// keyspace (nothing expires during a replay; expiries are journalled as
// DEL) it gives the same result.
func (c *conn) incrBy(args [][]byte, delta int64) {
	n, err := c.db.IncrBy(args[1], delta, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evString, "incrby", args[1])
	c.w.WriteInt(n)
}

func cmdAppend(c *conn, args [][]byte) {
	n, err := c.db.Append(args[1], args[2], c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evString, "append", args[1])
	c.w.WriteInt(int64(n))
}

func cmdStrlen(c *conn, args [][]byte) {
	v, found, err := c.db.GetString(args[1])
	c.lookedUp(args[1], found, err)
	c.writeCount(len(v), err)
}

func cmdMSet(c *conn, args [][]byte) {
	if len(args)%2 == 0 {
		c.w.WriteError(wrongArgs("mset"))
		return
	}
	owned := func(i int) bool { return c.owned(i + 1) }
	if err := c.db.MSet(args[1:], owned, c.setEach(), c.recordArgs(args)); err != nil {
		c.writeStoreError(err)
		return
	}
	c.touchPairs(args[1:])
	c.w.WriteOK()
}

func cmdMGet(c *conn, args [][]byte) {
	c.w.WriteArrayHeader(len(args) - 1)
	for _, k := range args[1:] {
		// A key of another type is a hit, answered nil: Redis counts the
		// lookup before it looks at the type.
		v, found, err := c.db.GetString(k)
		c.lookedUp(k, found, nil)
		if found && err == nil {
			c.w.WriteBulk(v)
		} else {
			c.w.WriteNull()
		}
	}
}

// setEach is MSET's and MSETNX's per-key callback (store.Store.MSet):
// Redis sends each key's "set" right after its "new". Nil while "set"
// events are not published. It runs with the keys' shards locked, so it
// queues the events only: the caller marks the keys for WATCH after
// (touchPairs).
func (c *conn) setEach() func(key []byte) {
	if c.events&evString == 0 {
		return nil
	}
	return func(key []byte) { c.queueEvent(evString, "set", key) }
}

// touchPairs marks for WATCH the keys of key, value, key, value... that
// MSET or MSETNX set.
func (c *conn) touchPairs(kv [][]byte) {
	for i := 0; i < len(kv); i += 2 {
		c.touch(c.db.Index(), kv[i])
	}
}
