package server

import (
	"bytes"

	"github.com/seamgo/seam/examples/kv/resp"
)

// readSets returns the members of each of keys' sets, a missing key being
// an empty set; every key is checked for its type first, as Redis does.
// Each set is read under its own lock: outside a transaction another
// client's write may fall between two of the reads, as it may between two
// commands.
func (c *conn) readSets(keys [][]byte) ([]map[string]struct{}, bool) {
	sets := make([]map[string]struct{}, len(keys))
	for i, k := range keys {
		members, err := c.db.SMembers(k)
		c.lookedUp(k, len(members) > 0, err) // a key is never an empty set
		if err != nil {
			c.writeStoreError(err)
			return nil, false
		}
		sets[i] = make(map[string]struct{}, len(members))
		for _, m := range members {
			sets[i][string(m)] = struct{}{}
		}
	}
	return sets, true
}

// inter returns the members of every set, up to limit of them (0: all).
func inter(sets []map[string]struct{}, limit int64) []string {
	smallest := sets[0]
	for _, s := range sets {
		if len(s) < len(smallest) {
			smallest = s
		}
	}
	var out []string
	for m := range smallest {
		in := true
		for _, s := range sets {
			if _, ok := s[m]; !ok {
				in = false
				break
			}
		}
		if in {
			out = append(out, m)
			if limit > 0 && int64(len(out)) == limit {
				break
			}
		}
	}
	return out
}

// writeStrings writes the members of a set operation: a set in RESP3,
// as Redis replies to SINTER, SUNION and SDIFF.
func (c *conn) writeStrings(ss []string) {
	c.w.WriteSetHeader(len(ss))
	for _, s := range ss {
		c.w.WriteBulkString(s)
	}
}

// cmdSInter is SINTER key [key ...].
func cmdSInter(c *conn, args [][]byte) {
	if sets, ok := c.readSets(args[1:]); ok {
		c.writeStrings(inter(sets, 0))
	}
}

// cmdSInterCard is SINTERCARD numkeys key [key ...] [LIMIT limit].
func cmdSInterCard(c *conn, args [][]byte) {
	n, ok := resp.ParseInt(args[1])
	if !ok || n < 1 {
		c.w.WriteError("ERR numkeys should be greater than 0")
		return
	}
	if n > int64(len(args)-2) {
		c.w.WriteError("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for i := 2 + int(n); i < len(args); i++ {
		if !eqFold(args[i], "LIMIT") || i+1 >= len(args) {
			c.w.WriteError(errSyntax)
			return
		}
		i++
		if limit, ok = resp.ParseInt(args[i]); !ok || limit < 0 {
			c.w.WriteError("ERR LIMIT can't be negative")
			return
		}
	}
	if sets, ok := c.readSets(args[2 : 2+n]); ok {
		c.w.WriteInt(int64(len(inter(sets, limit))))
	}
}

// cmdSUnion is SUNION key [key ...].
func cmdSUnion(c *conn, args [][]byte) {
	if sets, ok := c.readSets(args[1:]); ok {
		c.writeStrings(union(sets))
	}
}

func union(sets []map[string]struct{}) []string {
	all := map[string]struct{}{}
	for _, s := range sets {
		for m := range s {
			all[m] = struct{}{}
		}
	}
	out := make([]string, 0, len(all))
	for m := range all {
		out = append(out, m)
	}
	return out
}

// cmdSDiff is SDIFF key [key ...]: the first set's members in none of the
// others.
func cmdSDiff(c *conn, args [][]byte) {
	if sets, ok := c.readSets(args[1:]); ok {
		c.writeStrings(diff(sets))
	}
}

func diff(sets []map[string]struct{}) []string {
	var out []string
	for m := range sets[0] {
		if !inAny(sets[1:], m) {
			out = append(out, m)
		}
	}
	return out
}

// inAny reports whether m is a member of any of sets (SDIFF's and
// ZDIFF's test), sets or sorted sets alike.
func inAny[V any](sets []map[string]V, m string) bool {
	for _, s := range sets {
		if _, ok := s[m]; ok {
			return true
		}
	}
	return false
}

func cmdSInterStore(c *conn, args [][]byte) {
	c.setStore(args, "sinterstore", func(s []map[string]struct{}) []string { return inter(s, 0) })
}
func cmdSUnionStore(c *conn, args [][]byte) { c.setStore(args, "sunionstore", union) }
func cmdSDiffStore(c *conn, args [][]byte)  { c.setStore(args, "sdiffstore", diff) }

var wordSAdd = []byte("SADD")

// setStore is SINTERSTORE, SUNIONSTORE and SDIFFSTORE destination key
// [key ...]: op's result stored in destination (see store.SetStore for
// how it is journalled), replying with its size; event is the command's
// name, which Redis's keyspace event is.
func (c *conn) setStore(args [][]byte, event string, op func([]map[string]struct{}) []string) {
	sets, ok := c.readSets(args[2:])
	if !ok {
		return
	}
	res := op(sets)
	members := make([][]byte, len(res))
	for i, m := range res {
		members[i] = []byte(m)
	}
	var recs [][][]byte
	if !c.replay {
		recs = [][][]byte{{wordDel, args[1]}}
		if len(members) > 0 {
			recs = append(recs, append([][]byte{wordSAdd, args[1]}, members...))
		}
	}
	existed, err := c.db.SetStore(args[1], members, recs)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notifyStored(evSet, event, args[1], len(members), existed)
	c.w.WriteInt(int64(len(members)))
}

func cmdZRank(c *conn, args [][]byte)    { c.zrank(args, false) }
func cmdZRevRank(c *conn, args [][]byte) { c.zrank(args, true) }

// zrank is ZRANK and ZREVRANK key member: the member's rank from the
// lowest score (or the highest), nil if it is not there.
func (c *conn) zrank(args [][]byte, rev bool) {
	r, found, err := c.db.ZRank(args[1], args[2], rev)
	c.lookedUp(args[1], found, err)
	switch {
	case err != nil:
		c.writeStoreError(err)
	case r < 0:
		c.w.WriteNull()
	default:
		c.w.WriteInt(int64(r))
	}
}

// cmdSMove is SMOVE source destination member, journalled as received:
// both keys are locked while it is recorded and applied.
func cmdSMove(c *conn, args [][]byte) {
	moved, err := c.db.SMove(args[1], args[2], args[3], c.recordArgs(args))
	if moved.Moved && !bytes.Equal(args[1], args[2]) {
		// Redis's order: the removal, then dst's creation, then the add.
		c.notifyRemoved(evSet, "srem", args[1], moved.SrcGone)
		if moved.DstNew {
			c.notify(evNew, "new", args[2])
		}
		if moved.Added {
			c.notify(evSet, "sadd", args[2])
		}
	}
	c.writeFlag(moved.Moved, err)
}
