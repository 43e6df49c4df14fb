package server

import (
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

var (
	wordPersist = []byte("PERSIST")
	errOffset   = "ERR offset is out of range"
)

// cmdPSetEX is PSETEX key milliseconds value, journalled as SET with PXAT
// as SETEX is.
func cmdPSetEX(c *conn, args [][]byte) { c.setEX(args, "psetex", 1) }

// cmdGetEX is GETEX key [EX s|PX ms|EXAT t|PXAT ms-t|PERSIST]. A new
// expiry is journalled as PEXPIREAT (absolute, so that a later replay is
// right), its removal as PERSIST, as Redis propagates them.
func cmdGetEX(c *conn, args [][]byte) {
	action, unit, absolute := store.GetExKeep, int64(1), false
	var expArg []byte
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case action != store.GetExKeep:
			c.w.WriteError(errSyntax)
			return
		case eqFold(a, "PERSIST"):
			action = store.GetExPersist
		case (eqFold(a, "EX") || eqFold(a, "PX") || eqFold(a, "EXAT") || eqFold(a, "PXAT")) && i+1 < len(args):
			if eqFold(a, "EX") || eqFold(a, "EXAT") {
				unit = 1000
			}
			absolute = eqFold(a, "EXAT") || eqFold(a, "PXAT")
			action, expArg = store.GetExExpire, args[i+1]
			i++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	var at int64
	var rec [][]byte
	switch action {
	case store.GetExExpire:
		// Redis answers a missing key or one of another type before it
		// judges the time: look first. Between this look and GetEx's the
		// key may change; that only changes which answer a racing client
		// gets, never the keyspace.
		if _, ok, err := c.db.GetString(args[1]); !ok || err != nil {
			c.writeLookup(args[1], nil, false, err)
			return
		}
		var ok bool
		if at, ok = c.expiryMillis(expArg, "getex", unit, absolute, true); !ok {
			c.lookedUp(args[1], true, nil) // Redis judges the time after its lookup found the key
			return
		}
		c.num = strconv.AppendInt(c.num[:0], at, 10)
		rec = c.record(wordPExpireAt, args[1], c.num)
	case store.GetExPersist:
		rec = c.record(wordPersist, args[1])
	}
	v, ok, change, err := c.db.GetEx(args[1], action, at, rec)
	switch change {
	case store.ExpirySet:
		c.notify(evGeneric, "expire", args[1])
	case store.ExpiryRemoved:
		c.notify(evGeneric, "persist", args[1])
	case store.ExpiryDeleted:
		c.notify(evGeneric, "del", args[1])
	}
	c.writeLookup(args[1], v, ok, err)
}

// writeLookup replies with the value a read of key found, counting the
// hit or the miss as GET does.
func (c *conn) writeLookup(key, v []byte, ok bool, err error) {
	c.lookedUp(key, ok, err)
	c.writeFound(v, ok, err)
}

// cmdGetRange is GETRANGE key start end, with Redis's clamping of the
// range: negative offsets count from the end.
func cmdGetRange(c *conn, args [][]byte) {
	start, end, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	v, found, err := c.db.GetString(args[1])
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteBulk(stringRange(v, start, end))
}

// stringRange is v[start..end] (inclusive) as GETRANGE clamps it.
func stringRange(v []byte, start, end int64) []byte {
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	end = min(end, n-1)
	if n == 0 || start > end {
		return nil
	}
	return v[start : end+1]
}

// cmdSetRange is SETRANGE key offset value, journalled as received: the
// result depends only on the value before it.
func cmdSetRange(c *conn, args [][]byte) {
	off, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	if off < 0 {
		c.w.WriteError(errOffset)
		return
	}
	if off > store.MaxValueLen {
		off = store.MaxValueLen + 1 // too large either way; keeps the sum in range
	}
	n, err := c.db.SetRange(args[1], int(off), args[3], c.recordArgs(args))
	if err == nil && len(args[3]) > 0 {
		c.notify(evString, "setrange", args[1])
	}
	c.writeCount(n, err)
}

// cmdIncrByFloat is INCRBYFLOAT key increment, journalled as Redis
// propagates it: SET key result KEEPTTL, so that a replay gives the same
// value whatever the float arithmetic of the one replaying. kv adds in
// float64 where redis-server uses the C long double (80 bits on x86): the
// results agree but in the last digits of sums that are inexact in both
// ("5005.6" against Redis's "5005.60000000000000009"), and a sum beyond
// float64's range (about 1.8e308) is refused as infinite.
func cmdIncrByFloat(c *conn, args [][]byte) {
	delta, ok := store.ParseScore(args[2])
	if !ok {
		c.w.WriteError(errNotFloat)
		return
	}
	var rec func([]byte) [][]byte
	if !c.replay {
		key := args[1]
		rec = func(v []byte) [][]byte { return c.record(wordSet, key, v, wordKeepTTL) }
	}
	v, err := c.db.IncrByFloat(args[1], delta, rec)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evString, "incrbyfloat", args[1])
	c.w.WriteBulk(v)
}

var wordMSet = []byte("MSET")

// cmdMSetNX is MSETNX key value [key value ...]: all or nothing, only if
// no key exists, journalled as the MSET it did.
func cmdMSetNX(c *conn, args [][]byte) {
	if len(args)%2 == 0 {
		c.w.WriteError(wrongArgs("msetnx"))
		return
	}
	var rec [][]byte
	if !c.replay {
		rec = append(c.record(wordMSet), args[1:]...)
		c.rec = rec
	}
	owned := func(i int) bool { return c.owned(i + 1) }
	set, err := c.db.MSetNX(args[1:], owned, c.setEach(), rec)
	if set && err == nil {
		c.touchPairs(args[1:])
	}
	c.writeFlag(set, err)
}
