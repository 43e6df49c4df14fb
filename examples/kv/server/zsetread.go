package server

import (
	"github.com/seamgo/seam/examples/kv/store"
)

// ZMSCORE and ZRANDMEMBER: sorted-set reads that reply with scores.

// cmdZMScore is ZMSCORE key member [member ...]: each member's score, nil
// for a missing member; all nil for a missing key.
func cmdZMScore(c *conn, args [][]byte) {
	_, found, err := c.db.LenOf(args[1], store.KindZSet)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.w.WriteArrayHeader(len(args) - 2)
	for _, m := range args[2:] {
		f, ok, _, err := c.db.ZScore(args[1], m)
		if err != nil || !ok {
			c.w.WriteNull() // a key replaced meanwhile holds none of them
			continue
		}
		c.writeScore(f)
	}
}

// cmdZRandMember is ZRANDMEMBER key [count [WITHSCORES]], with Redis's
// counts as HRANDFIELD has them: up to count distinct members when count
// is positive, exactly -count drawn with repeats when it is negative.
func cmdZRandMember(c *conn, args [][]byte) {
	count, withCount, withScores, ok := c.randArgs(args, "WITHSCORES")
	if !ok {
		return
	}
	all, found, err := c.db.ZRange(args[1], 0, -1, false)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeRandomPicks(len(all), count, withCount, withScores, func(j int) {
		c.w.WriteBulk(all[j].Member)
		if withScores {
			c.writeScore(all[j].Score)
		}
	})
}
