package server

import (
	"math"
	"math/rand/v2"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

var wordSRem = []byte("SREM")

func cmdSAdd(c *conn, args [][]byte) {
	n, err := c.db.SAdd(args[1], args[2:], c.recordArgs(args))
	if n > 0 {
		c.notify(evSet, "sadd", args[1])
	}
	c.writeCount(n, err)
}

func cmdSRem(c *conn, args [][]byte) {
	n, gone, err := c.db.SRem(args[1], args[2:], c.recordArgs(args))
	c.writeRemoved(evSet, "srem", args[1], n, gone, err)
}

// cmdSPop is SPOP key [count]. The members are chosen at random, so it is
// journalled as the SREM of those it popped.
func cmdSPop(c *conn, args [][]byte) {
	count, ok := c.popCount(args, syntaxError)
	if !ok {
		return
	}
	if count == 0 {
		if _, _, err := c.db.LenOf(args[1], store.KindSet); err != nil {
			c.writeStoreError(err)
		} else {
			c.w.WriteSetHeader(0)
		}
		return
	}
	vals, gone, err := c.db.SPop(args[1], max(count, 1), c.record(wordSRem, args[1]))
	if len(vals) > 0 {
		c.notifyRemoved(evSet, "spop", args[1], gone)
	}
	switch {
	case err != nil:
		c.writeStoreError(err)
	case count > 0:
		c.writeSet(vals)
	case len(vals) == 0:
		c.w.WriteNull()
	default:
		c.w.WriteBulk(vals[0])
	}
}

func cmdSMembers(c *conn, args [][]byte) {
	vals, err := c.db.SMembers(args[1])
	c.lookedUp(args[1], len(vals) > 0, err) // a key is never an empty set
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeSet(vals)
}

func cmdSCard(c *conn, args [][]byte) { c.lenOf(args[1], store.KindSet) }

func cmdSIsMember(c *conn, args [][]byte) {
	ok, found, err := c.db.SIsMember(args[1], args[2])
	c.lookedUp(args[1], found, err)
	c.writeFlag(ok, err)
}

// lenOf answers LLEN, SCARD, HLEN and ZCARD.
func (c *conn) lenOf(key []byte, k store.Kind) {
	n, found, err := c.db.LenOf(key, k)
	c.lookedUp(key, found, err)
	c.writeCount(n, err)
}

func (c *conn) writeCount(n int, err error) {
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteInt(int64(n))
}

// cmdSRandMember is SRANDMEMBER key [count], with Redis's meaning of a
// negative count: -count members drawn with repeats. Those are drawn as
// they are written, so that a huge count costs the reply, not a copy of it
// as well.
func cmdSRandMember(c *conn, args [][]byte) {
	if len(args) > 3 {
		c.w.WriteError(errSyntax)
		return
	}
	count, withCount := int64(1), len(args) == 3
	if withCount {
		var ok bool
		if count, ok = c.randCount(args[2]); !ok {
			return
		}
	}
	if count < 0 {
		all, err := c.db.SMembers(args[1])
		c.lookedUp(args[1], len(all) > 0, err) // a key is never an empty set
		switch {
		case err != nil:
			c.writeStoreError(err)
		case len(all) == 0:
			c.w.WriteArrayHeader(0)
		default:
			c.w.WriteArrayHeader(int(-count))
			for range -count {
				c.w.WriteBulk(all[rand.IntN(len(all))])
			}
		}
		return
	}
	vals, found, err := c.db.SRandMember(args[1], count)
	c.lookedUp(args[1], found, err)
	switch {
	case err != nil:
		c.writeStoreError(err)
	case withCount:
		c.writeBulks(vals)
	case len(vals) == 0:
		c.w.WriteNull()
	default:
		c.w.WriteBulk(vals[0])
	}
}

// randCount reads the count of SRANDMEMBER or HRANDFIELD: an integer from
// -(2^63-1) to 2^63-1, replying with Redis's error if it is not one.
func (c *conn) randCount(arg []byte) (int64, bool) {
	n, ok := resp.ParseInt(arg)
	switch {
	case !ok:
		c.w.WriteError(errNotInteger)
	case n == math.MinInt64:
		c.w.WriteError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	default:
		return n, true
	}
	return 0, false
}
