package server

import (
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

const errNotFloat = "ERR value is not a valid float"

// cmdZAdd is ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score
// member ...], with Redis's checks in Redis's order.
func cmdZAdd(c *conn, args [][]byte) {
	var o store.ZAddOptions
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
			o.CH = true
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
	n, score, ok, err := c.db.ZAdd(args[1], o, pairs, c.recordArgs(args))
	switch {
	case err != nil:
		c.writeStoreError(err)
	case !o.Incr:
		c.w.WriteInt(int64(n))
	case !ok:
		c.w.WriteNull()
	default:
		c.writeScore(score)
	}
}

func (c *conn) writeScore(f float64) {
	c.num = store.FormatScore(c.num[:0], f)
	c.w.WriteBulk(c.num)
}

func cmdZRem(c *conn, args [][]byte) {
	n, err := c.db.ZRem(args[1], args[2:], c.recordArgs(args))
	c.writeCount(n, err)
}

func cmdZPopMin(c *conn, args [][]byte) { c.zpop(args, false) }
func cmdZPopMax(c *conn, args [][]byte) { c.zpop(args, true) }

// zpop is ZPOPMIN and ZPOPMAX key [count].
func (c *conn) zpop(args [][]byte, highest bool) {
	count, ok := c.popCount(args, syntaxError)
	if !ok {
		return
	}
	if count < 0 {
		count = 1
	}
	pop := c.db.ZPopMin
	if highest {
		pop = c.db.ZPopMax
	}
	pairs, err := pop(args[1], count, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeZPairs(pairs, true)
}

// cmdZRange is ZRANGE key start stop [REV] [WITHSCORES], by rank; BYSCORE,
// BYLEX and LIMIT are not implemented.
func cmdZRange(c *conn, args [][]byte) {
	start, ok1 := resp.ParseInt(args[2])
	stop, ok2 := resp.ParseInt(args[3])
	var rev, withScores bool
	for _, a := range args[4:] {
		switch {
		case eqFold(a, "REV"):
			rev = true
		case eqFold(a, "WITHSCORES"):
			withScores = true
		case eqFold(a, "BYSCORE"), eqFold(a, "BYLEX"), eqFold(a, "LIMIT"):
			c.w.WriteError("ERR ZRANGE " + string(a) + " is not supported by kv")
			return
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	if !ok1 || !ok2 {
		c.w.WriteError(errNotInteger)
		return
	}
	pairs, err := c.db.ZRange(args[1], start, stop, rev)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeZPairs(pairs, withScores)
}

func (c *conn) writeZPairs(pairs []store.ZPair, withScores bool) {
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

func cmdZScore(c *conn, args [][]byte) {
	f, ok, err := c.db.ZScore(args[1], args[2])
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
