package server

import (
	"math"
	"math/rand/v2"
)

// randArgs reads the arguments of HRANDFIELD and ZRANDMEMBER, key [count
// [word]], with Redis's errors: the count (1 when absent), whether it was
// given, and whether word (WITHVALUES, WITHSCORES) was.
func (c *conn) randArgs(args [][]byte, word string) (count int64, withCount, withWord, ok bool) {
	count, withCount = 1, len(args) >= 3
	if !withCount {
		return count, false, false, true
	}
	if count, ok = c.randCount(args[2]); !ok {
		return 0, false, false, false
	}
	if len(args) > 4 || len(args) == 4 && !eqFold(args[3], word) {
		c.w.WriteError(errSyntax)
		return 0, false, false, false
	}
	withWord = len(args) == 4
	if withWord && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		c.w.WriteError("ERR value is out of range") // the reply would be twice as long
		return 0, false, false, false
	}
	return count, true, withWord, true
}

// writeRandomPicks writes HRANDFIELD's and ZRANDMEMBER's reply from their
// n elements, each written by write(i). Without a count (withCount false)
// it is one element, or nil when there are none. With one it is up to
// count distinct elements when count is positive, exactly -count drawn
// with repeats when it is negative. Pairs (WITHVALUES, WITHSCORES) are
// flat in RESP2 and each in an array of two in RESP3, as Redis 7 has
// them. A count of n or more gives every element in their order, as Redis
// gives the whole value then.
func (c *conn) writeRandomPicks(n int, count int64, withCount, pairs bool, write func(i int)) {
	switch {
	case !withCount && n == 0:
		c.w.WriteNull()
		return
	case !withCount:
		write(rand.IntN(n)) // pairs come only with a count: the element alone
		return
	case n == 0 || count == 0:
		c.w.WriteArrayHeader(0)
		return
	}
	var picks []int
	switch {
	case count >= int64(n):
		picks = make([]int, n)
		for i := range picks {
			picks[i] = i
		}
	case count >= 0:
		picks = rand.Perm(n)[:count]
	}
	total := len(picks)
	if count < 0 {
		total = int(min(-count, math.MaxInt32))
	}
	nested := pairs && c.w.Proto() == 3
	if pairs && !nested {
		c.w.WriteArrayHeader(2 * total)
	} else {
		c.w.WriteArrayHeader(total)
	}
	for i := range total {
		j := 0
		if count >= 0 {
			j = picks[i]
		} else {
			j = rand.IntN(n) // drawn as written: a huge count costs the reply only
		}
		if nested {
			c.w.WriteArrayHeader(2)
		}
		write(j)
	}
}

// cmdHRandField is HRANDFIELD key [count [WITHVALUES]], with Redis's
// counts: up to count distinct fields when count is positive, exactly
// -count drawn with repeats when it is negative.
func cmdHRandField(c *conn, args [][]byte) {
	count, withCount, withValues, ok := c.randArgs(args, "WITHVALUES")
	if !ok {
		return
	}
	all, err := c.db.HGetAll(args[1]) // field, value, field, value...
	// A key is never an empty hash: none is a miss.
	c.lookedUp(args[1], len(all) > 0, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeRandomPicks(len(all)/2, count, withCount, withValues, func(j int) {
		c.w.WriteBulk(all[2*j])
		if withValues {
			c.w.WriteBulk(all[2*j+1])
		}
	})
}

// cmdZRevRange is ZREVRANGE key start stop [WITHSCORES]: ZRANGE ... REV.
func cmdZRevRange(c *conn, args [][]byte) {
	withScores := len(args) == 5 && eqFold(args[4], "WITHSCORES")
	if len(args) > 5 || len(args) == 5 && !withScores {
		c.w.WriteError(errSyntax)
		return
	}
	start, stop, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	pairs, found, err := c.db.ZRange(args[1], start, stop, true)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeZPairs(pairs, withScores)
}
