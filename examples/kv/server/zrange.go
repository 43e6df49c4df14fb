package server

import (
	"github.com/seamgo/seam/examples/kv/store"
)

// zrangeSpec is what ZRANGE and ZRANGESTORE select: by rank, by score or
// by member (lex), reversed, a LIMIT window.
type zrangeSpec struct {
	byScore, byLex, rev, withScores bool
	offset, count                   int64 // LIMIT; count -1: no limit
}

// cmdZRange is ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset
// count] [WITHSCORES].
func cmdZRange(c *conn, args [][]byte) {
	sp, ok := c.parseZRange(args[1:], false)
	if !ok {
		return
	}
	pairs, ok := c.zrangeSelect(args[1], args[2], args[3], sp)
	if ok {
		c.writeZPairs(pairs, sp.withScores)
	}
}

// cmdZRangeStore is ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV]
// [LIMIT offset count], journalled as the DEL and ZADD it did, as the
// other STORE forms are.
func cmdZRangeStore(c *conn, args [][]byte) {
	sp, ok := c.parseZRange(args[2:], true)
	if !ok {
		return
	}
	pairs, ok := c.zrangeSelect(args[2], args[3], args[4], sp)
	if ok {
		c.zstore("zrangestore", args[1], pairs)
	}
}

// parseZRange reads the options after key min max (args starts at the
// key), with Redis's errors and in its order of checks.
func (c *conn) parseZRange(args [][]byte, storing bool) (zrangeSpec, bool) {
	sp := zrangeSpec{count: -1}
	limit := false
	for i := 3; i < len(args); i++ {
		switch a := args[i]; {
		case eqFold(a, "LIMIT") && i+2 < len(args):
			var ok bool
			if sp.offset, sp.count, ok = c.parseIntPair(args[i+1], args[i+2]); !ok {
				return sp, false
			}
			limit = true
			i += 2
		case !storing && eqFold(a, "WITHSCORES"):
			sp.withScores = true
		case eqFold(a, "BYSCORE"):
			sp.byScore = true
		case eqFold(a, "BYLEX"):
			sp.byLex = true
		case eqFold(a, "REV"):
			sp.rev = true
		default:
			c.w.WriteError(errSyntax)
			return sp, false
		}
	}
	switch {
	case sp.byScore && sp.byLex:
		c.w.WriteError(errSyntax)
		return sp, false
	case limit && !sp.byScore && !sp.byLex:
		c.w.WriteError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return sp, false
	case sp.withScores && sp.byLex:
		c.w.WriteError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return sp, false
	}
	return sp, true
}

// zrangeSelect returns the members of key's sorted set that sp selects
// between lo and hi (max before min when reversed by score or lex).
func (c *conn) zrangeSelect(key, lo, hi []byte, sp zrangeSpec) ([]store.ZPair, bool) {
	if !sp.byScore && !sp.byLex {
		start, stop, ok := c.parseIntPair(lo, hi)
		if !ok {
			return nil, false
		}
		pairs, found, err := c.db.ZRange(key, start, stop, sp.rev)
		c.lookedUp(key, found, err)
		if err != nil {
			c.writeStoreError(err)
			return nil, false
		}
		return pairs, true
	}
	if sp.rev {
		lo, hi = hi, lo
	}
	in, ok := c.zinRange(lo, hi, sp.byLex)
	if !ok {
		return nil, false
	}
	all, found, err := c.db.ZRange(key, 0, -1, sp.rev)
	c.lookedUp(key, found, err)
	if err != nil {
		c.writeStoreError(err)
		return nil, false
	}
	return zwindow(all, in, sp.offset, sp.count), true
}

// zwindow returns the pairs of all that in accepts, past the first offset
// of them and at most count (-1: all); a negative offset selects none, as
// in Redis.
func zwindow(all []store.ZPair, in func(store.ZPair) bool, offset, count int64) []store.ZPair {
	var out []store.ZPair
	if offset < 0 {
		return nil
	}
	for _, p := range all {
		if !in(p) {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		if count >= 0 && int64(len(out)) == count {
			break
		}
		out = append(out, p)
	}
	return out
}
