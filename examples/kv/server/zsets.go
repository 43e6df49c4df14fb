package server

import (
	"github.com/seamgo/seam/examples/kv/store"
)

const errNotFloat = "ERR value is not a valid float"

// cmdZAdd is ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score
// member ...], with Redis's checks in Redis's order.
func cmdZAdd(c *conn, args [][]byte) {
	var o store.ZAddOptions
	var ch bool
	i := 2
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "NX"):
			o.NX = true
		case eqFold(a, "XX"):
			o.XX = true
		case eqFold(a, "GT"):
			o.GT = true
		case eqFold(a, "LT"):
			o.LT = true
		case eqFold(a, "CH"):
			ch = true
		case eqFold(a, "INCR"):
			o.Incr = true
		default:
			goto pairs
		}
	}
pairs:
	rest := args[i:]
	switch {
	case len(rest) == 0 || len(rest)%2 != 0:
		c.w.WriteError(errSyntax)
		return
	case o.Incr && len(rest) > 2:
		c.w.WriteError("ERR INCR option supports a single increment-element pair")
		return
	case o.NX && o.XX:
		c.w.WriteError("ERR XX and NX options at the same time are not compatible")
		return
	case o.GT && o.NX || o.LT && o.NX || o.GT && o.LT:
		c.w.WriteError("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	pairs := make([]store.ZPair, len(rest)/2)
	for j := range pairs {
		f, ok := store.ParseScore(rest[2*j])
		if !ok {
			c.w.WriteError(errNotFloat)
			return
		}
		pairs[j] = store.ZPair{Score: f, Member: rest[2*j+1]}
	}
	r, err := c.db.ZAdd(args[1], o, pairs, c.recordArgs(args))
	c.notifyZAdd(args[1], o.Incr, r)
	switch {
	case err != nil:
		c.writeStoreError(err)
	case !o.Incr && ch:
		c.w.WriteInt(int64(r.Added + r.Updated))
	case !o.Incr:
		c.w.WriteInt(int64(r.Added))
	case !r.Scored:
		c.w.WriteNull()
	default:
		c.writeScore(r.Score)
	}
}

// writeScore writes a score as Redis does: a double in RESP3.
func (c *conn) writeScore(f float64) { c.w.WriteDouble(f) }

func cmdZRem(c *conn, args [][]byte) {
	n, gone, err := c.db.ZRem(args[1], args[2:], c.recordArgs(args))
	c.writeRemoved(evZSet, "zrem", args[1], n, gone, err)
}

func cmdZPopMin(c *conn, args [][]byte) { c.zpop(args, false) }
func cmdZPopMax(c *conn, args [][]byte) { c.zpop(args, true) }

// zpop is ZPOPMIN and ZPOPMAX key [count].
func (c *conn) zpop(args [][]byte, highest bool) {
	count, ok := c.popCount(args, syntaxError)
	if !ok {
		return
	}
	single := count < 0
	if single {
		count = 1
	}
	pop := c.db.ZPopMin
	if highest {
		pop = c.db.ZPopMax
	}
	pairs, gone, err := pop(args[1], count, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if len(pairs) > 0 {
		c.notifyRemoved(evZSet, zpopEvent(highest), args[1], gone)
	}
	if single && len(pairs) == 1 {
		c.writeZPair(pairs[0]) // RESP3 too: one pair is not nested
		return
	}
	c.writeZPairs(pairs, true)
}

// writeZPairs writes members, and their scores if withScores: flat in
// RESP2, each member with its score in an array of two in RESP3, as Redis
// 7 replies.
func (c *conn) writeZPairs(pairs []store.ZPair, withScores bool) {
	if withScores && c.w.Proto() == 3 {
		c.w.WriteArrayHeader(len(pairs))
		for _, p := range pairs {
			c.writeZPair(p)
		}
		return
	}
	if withScores {
		c.w.WriteArrayHeader(2 * len(pairs))
	} else {
		c.w.WriteArrayHeader(len(pairs))
	}
	for _, p := range pairs {
		c.w.WriteBulk(p.Member)
		if withScores {
			c.writeScore(p.Score)
		}
	}
}

// writeZPair writes one member and its score as an array of two.
func (c *conn) writeZPair(p store.ZPair) {
	c.w.WriteArrayHeader(2)
	c.w.WriteBulk(p.Member)
	c.writeScore(p.Score)
}

func cmdZScore(c *conn, args [][]byte) {
	f, ok, found, err := c.db.ZScore(args[1], args[2])
	c.lookedUp(args[1], found, err)
	switch {
	case err != nil:
		c.writeStoreError(err)
	case !ok:
		c.w.WriteNull()
	default:
		c.writeScore(f)
	}
}

func cmdZCard(c *conn, args [][]byte) { c.lenOf(args[1], store.KindZSet) }

// notifyZAdd queues the event of a ZADD or ZINCRBY that did r: "zadd",
// or "zincr" with INCR, if a member was added or its score changed.
func (c *conn) notifyZAdd(key []byte, incr bool, r store.ZAddResult) {
	if r.Added+r.Updated == 0 {
		return
	}
	if incr {
		c.notify(evZSet, "zincr", key)
	} else {
		c.notify(evZSet, "zadd", key)
	}
}

// zpopEvent names a pop of the lowest or the highest scores.
func zpopEvent(highest bool) string {
	if highest {
		return "zpopmax"
	}
	return "zpopmin"
}
