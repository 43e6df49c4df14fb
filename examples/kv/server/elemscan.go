package server

import "github.com/seamgo/seam/examples/kv/store"

// cmdSScan, cmdHScan and cmdZScan are SSCAN, HSCAN and ZSCAN key cursor
// [MATCH pattern] [COUNT n]. kv answers them as Redis answers them for a
// value in its compact encoding: every element in one reply, with the
// cursor 0 that ends the iteration. SCAN's guarantees hold (every element
// present throughout is returned), COUNT is the hint it is in Redis, and
// a value of any size costs one reply.
func cmdSScan(c *conn, args [][]byte) { c.elemScan(args, store.KindSet) }
func cmdHScan(c *conn, args [][]byte) { c.elemScan(args, store.KindHash) }
func cmdZScan(c *conn, args [][]byte) { c.elemScan(args, store.KindZSet) }

func (c *conn) elemScan(args [][]byte, k store.Kind) {
	if _, ok := parseCursor(args[2]); !ok {
		c.w.WriteError(errInvalidCurs)
		return
	}
	var pattern string
	for i := 3; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.WriteError(errSyntax)
			return
		}
		switch opt, val := args[i], args[i+1]; {
		case eqFold(opt, "COUNT"):
			if _, ok := c.scanCount(val); !ok {
				return
			}
		case eqFold(opt, "MATCH"):
			pattern = string(val)
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	// pairs: the elements, with a value after each for a hash or a
	// sorted set.
	var elems [][]byte
	var err error
	pairs := k != store.KindSet
	switch k {
	case store.KindSet:
		elems, err = c.db.SMembers(args[1])
	case store.KindHash:
		elems, err = c.db.HGetAll(args[1])
	default:
		var zs []store.ZPair
		zs, _, err = c.db.ZRange(args[1], 0, -1, false)
		for _, z := range zs {
			elems = append(elems, z.Member, store.FormatScore(nil, z.Score))
		}
	}
	c.lookedUp(args[1], len(elems) > 0, err) // a key is never an empty collection
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if pattern != "" && pattern != "*" {
		step := 1
		if pairs {
			step = 2
		}
		kept := elems[:0]
		for i := 0; i < len(elems); i += step {
			if store.Match(pattern, string(elems[i])) {
				kept = append(kept, elems[i:i+step]...)
			}
		}
		elems = kept
	}
	c.w.WriteArrayHeader(2)
	c.w.WriteBulkString("0")
	c.writeBulks(elems)
}

// cmdSMIsMember is SMISMEMBER key member [member ...]: 1 or 0 for each.
func cmdSMIsMember(c *conn, args [][]byte) {
	found := make([]bool, 0, len(args)-2)
	for i, m := range args[2:] {
		ok, exists, err := c.db.SIsMember(args[1], m)
		if i == 0 {
			c.lookedUp(args[1], exists, err) // Redis looks the key up once
		}
		if err != nil {
			c.writeStoreError(err)
			return
		}
		found = append(found, ok)
	}
	c.w.WriteArrayHeader(len(found))
	for _, ok := range found {
		c.w.WriteInt(int64(boolInt(ok)))
	}
}

// cmdZIncrBy is ZINCRBY key increment member: ZADD key INCR, journalled as
// received.
func cmdZIncrBy(c *conn, args [][]byte) {
	f, ok := store.ParseScore(args[2])
	if !ok {
		c.w.WriteError(errNotFloat)
		return
	}
	r, err := c.db.ZAdd(args[1], store.ZAddOptions{Incr: true}, []store.ZPair{{Score: f, Member: args[3]}}, c.recordArgs(args))
	c.notifyZAdd(args[1], true, r)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeScore(r.Score)
}
