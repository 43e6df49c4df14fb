package server

import (
	"errors"
	"math"

	"github.com/seamgo/seam/examples/kv/store"
)

// The hash commands beyond HSET, HGET and their first companions.

var wordHSet = []byte("HSET")

// cmdHSetNX is HSETNX key field value, journalled as received when it set.
func cmdHSetNX(c *conn, args [][]byte) {
	ok, err := c.db.HSetNX(args[1], args[2], args[3], c.recordArgs(args))
	if ok && err == nil {
		c.notify(evHash, "hset", args[1])
	}
	c.writeFlag(ok, err)
}

// cmdHIncrByFloat is HINCRBYFLOAT key field increment, journalled as the
// HSET of its result, as Redis does.
func cmdHIncrByFloat(c *conn, args [][]byte) {
	delta, ok := store.ParseScore(args[3])
	switch {
	case !ok:
		c.w.WriteError(errNotFloat)
		return
	case math.IsInf(delta, 0):
		c.w.WriteError("ERR value is NaN or Infinity")
		return
	}
	var rec func([]byte) [][]byte
	if !c.replay {
		key, field := args[1], args[2]
		rec = func(v []byte) [][]byte { return c.record(wordHSet, key, field, v) }
	}
	v, err := c.db.HIncrByFloat(args[1], args[2], delta, rec)
	switch {
	case errors.Is(err, store.ErrHashNotFloat):
		c.w.WriteError("ERR hash value is not a float")
	case err != nil:
		c.writeStoreError(err)
	default:
		c.notify(evHash, "hincrbyfloat", args[1])
		c.w.WriteBulk(v)
	}
}

// cmdHKeys is HKEYS key.
func cmdHKeys(c *conn, args [][]byte) { c.hashHalf(args[1], 0) }

// cmdHVals is HVALS key.
func cmdHVals(c *conn, args [][]byte) { c.hashHalf(args[1], 1) }

// hashHalf writes the fields (half 0) or the values (half 1) of key's hash.
func (c *conn) hashHalf(key []byte, half int) {
	all, err := c.db.HGetAll(key)
	c.lookedUp(key, len(all) > 0, err) // a key is never an empty hash
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteArrayHeader(len(all) / 2)
	for i := half; i < len(all); i += 2 {
		c.w.WriteBulk(all[i])
	}
}

// cmdHMGet is HMGET key field [field ...]: a nil for each field missing.
func cmdHMGet(c *conn, args [][]byte) {
	vals, found, err := c.db.HMGet(args[1], args[2:])
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteArrayHeader(len(vals))
	for _, v := range vals {
		if v == nil {
			c.w.WriteNull()
		} else {
			c.w.WriteBulk(v)
		}
	}
}

// cmdHStrLen is HSTRLEN key field: 0 for a missing field.
func cmdHStrLen(c *conn, args [][]byte) {
	v, _, found, err := c.db.HGet(args[1], args[2])
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteInt(int64(len(v)))
}
