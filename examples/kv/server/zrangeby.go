package server

import (
	"strings"

	"github.com/seamgo/seam/examples/kv/store"
)

// scoreBound is one end of a ZRANGEBYSCORE range: a score, "(" before it
// excluding it.
type scoreBound struct {
	v    float64
	excl bool
}

func parseScoreBound(b []byte) (scoreBound, bool) {
	excl := len(b) > 0 && b[0] == '('
	if excl {
		b = b[1:]
	}
	f, ok := store.ParseScore(b)
	return scoreBound{f, excl}, ok
}

func (lo scoreBound) below(f float64) bool { return f > lo.v || !lo.excl && f == lo.v }
func (hi scoreBound) above(f float64) bool { return f < hi.v || !hi.excl && f == hi.v }

// lexBound is one end of a ZRANGEBYLEX range: "-" and "+" for the ends of
// the order, "[" including the string after it, "(" excluding it.
type lexBound struct {
	s        string
	excl     bool
	inf, sup bool // "-", "+"
}

func parseLexBound(b []byte) (lexBound, bool) {
	switch {
	case len(b) == 1 && b[0] == '-':
		return lexBound{inf: true}, true
	case len(b) == 1 && b[0] == '+':
		return lexBound{sup: true}, true
	case len(b) > 0 && (b[0] == '[' || b[0] == '('):
		return lexBound{s: string(b[1:]), excl: b[0] == '('}, true
	}
	return lexBound{}, false
}

func (lo lexBound) below(m string) bool {
	switch {
	case lo.inf:
		return true
	case lo.sup:
		return false
	}
	c := strings.Compare(m, lo.s)
	return c > 0 || !lo.excl && c == 0
}

func (hi lexBound) above(m string) bool {
	switch {
	case hi.sup:
		return true
	case hi.inf:
		return false
	}
	c := strings.Compare(m, hi.s)
	return c < 0 || !hi.excl && c == 0
}

func cmdZRangeByScore(c *conn, args [][]byte)    { c.zrangeBy(args, false, false) }
func cmdZRevRangeByScore(c *conn, args [][]byte) { c.zrangeBy(args, true, false) }
func cmdZRangeByLex(c *conn, args [][]byte)      { c.zrangeBy(args, false, true) }
func cmdZRevRangeByLex(c *conn, args [][]byte)   { c.zrangeBy(args, true, true) }
func cmdZCount(c *conn, args [][]byte)           { c.zcount(args, false) }
func cmdZLexCount(c *conn, args [][]byte)        { c.zcount(args, true) }

// zinRange returns a filter for the members of a sorted set between the
// bounds lo and hi, by score or (lex) by member, replying with Redis's
// error if a bound cannot be read.
func (c *conn) zinRange(lo, hi []byte, lex bool) (func(store.ZPair) bool, bool) {
	if lex {
		l, ok1 := parseLexBound(lo)
		h, ok2 := parseLexBound(hi)
		if !ok1 || !ok2 {
			c.w.WriteError("ERR min or max not valid string range item")
			return nil, false
		}
		return func(p store.ZPair) bool { return l.below(string(p.Member)) && h.above(string(p.Member)) }, true
	}
	l, ok1 := parseScoreBound(lo)
	h, ok2 := parseScoreBound(hi)
	if !ok1 || !ok2 {
		c.w.WriteError("ERR min or max is not a float")
		return nil, false
	}
	return func(p store.ZPair) bool { return l.below(p.Score) && h.above(p.Score) }, true
}

// zrangeBy is ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX and
// ZREVRANGEBYLEX key min max [WITHSCORES] [LIMIT offset count] (the
// reversed ones take max before min; the lex ones no WITHSCORES).
func (c *conn) zrangeBy(args [][]byte, rev, lex bool) {
	var withScores bool
	offset, count := int64(0), int64(-1)
	for i := 4; i < len(args); i++ {
		switch {
		case eqFold(args[i], "WITHSCORES"):
			withScores = true
		case eqFold(args[i], "LIMIT") && i+2 < len(args):
			var ok bool
			if offset, count, ok = c.parseIntPair(args[i+1], args[i+2]); !ok {
				return
			}
			i += 2
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	if withScores && lex {
		c.w.WriteError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	lo, hi := args[2], args[3]
	if rev {
		lo, hi = hi, lo
	}
	in, ok := c.zinRange(lo, hi, lex)
	if !ok {
		return
	}
	all, found, err := c.db.ZRange(args[1], 0, -1, rev)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeZPairs(zwindow(all, in, offset, count), withScores)
}

// zcount is ZCOUNT and ZLEXCOUNT key min max.
func (c *conn) zcount(args [][]byte, lex bool) {
	in, ok := c.zinRange(args[2], args[3], lex)
	if !ok {
		return
	}
	all, found, err := c.db.ZRange(args[1], 0, -1, false)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	n := 0
	for _, p := range all {
		if in(p) {
			n++
		}
	}
	c.w.WriteInt(int64(n))
}

// cmdZRemRangeByScore, cmdZRemRangeByLex and cmdZRemRangeByRank remove
// the members of a range, journalled as received: on one key, under its
// lock, the range selects the same members at replay.
func cmdZRemRangeByScore(c *conn, args [][]byte) { c.zremRangeBy(args, false) }
func cmdZRemRangeByLex(c *conn, args [][]byte)   { c.zremRangeBy(args, true) }

func (c *conn) zremRangeBy(args [][]byte, lex bool) {
	in, ok := c.zinRange(args[2], args[3], lex)
	if !ok {
		return
	}
	n, gone, err := c.db.ZRemWhere(args[1], func(_, _ int, p store.ZPair) bool { return in(p) }, c.recordArgs(args))
	name := "zremrangebyscore"
	if lex {
		name = "zremrangebylex"
	}
	c.writeRemoved(evZSet, name, args[1], n, gone, err)
}

func cmdZRemRangeByRank(c *conn, args [][]byte) {
	start, stop, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	n, gone, err := c.db.ZRemWhere(args[1], func(r, size int, _ store.ZPair) bool {
		lo, hi, ok := store.ClampRange(start, stop, size)
		return ok && r >= lo && r <= hi
	}, c.recordArgs(args))
	c.writeRemoved(evZSet, "zremrangebyrank", args[1], n, gone, err)
}
