package server

import (
	"bytes"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// The blocking commands and their non-blocking kin (LMOVE, RPOPLPUSH,
// LMPOP, ZMPOP), which share their parsing and their pops. A pop taken by
// a blocking command is journalled as Redis propagates it: BLPOP as LPOP,
// BLMPOP as LPOP key count, BZPOPMIN as ZPOPMIN, BLMOVE as LMOVE,
// BRPOPLPUSH as RPOPLPUSH; so the file replays with no blocking command.

var (
	wordLPOP      = []byte("LPOP")
	wordRPOP      = []byte("RPOP")
	wordZPOPMIN   = []byte("ZPOPMIN")
	wordZPOPMAX   = []byte("ZPOPMAX")
	wordLMOVE     = []byte("LMOVE")
	wordRPOPLPUSH = []byte("RPOPLPUSH")
	wordLEFT      = []byte("LEFT")
	wordRIGHT     = []byte("RIGHT")
)

// listPop is the pop of BLPOP, BRPOP (count < 0: one element, replied as
// [key, element]) and of LMPOP, BLMPOP (up to count, replied as [key,
// [element ...]]).
type listPop struct {
	front bool
	count int
	key   []byte
	vals  [][]byte
}

// popRecord is the journal record of a pop of count (none if < 0) from
// key by the command named pop, or nil when replaying.
func popRecord(c *conn, pop, key []byte, count int) [][]byte {
	if c.replay {
		return nil
	}
	if count < 0 {
		return [][]byte{pop, key}
	}
	return [][]byte{pop, key, strconv.AppendInt(nil, int64(count), 10)}
}

func (p *listPop) take(c *conn, db *store.Store, key []byte) (bool, error) {
	word := wordRPOP
	if p.front {
		word = wordLPOP
	}
	vals, gone, err := db.Pop(key, max(p.count, 1), p.front, popRecord(c, word, key, p.count))
	if err != nil || len(vals) == 0 {
		return false, err
	}
	c.notifyPopped(db.Index(), evList, popEvent(p.front), key, gone)
	p.key, p.vals = key, vals
	c.h.watches.touch(db.Index(), key)
	return true, nil
}

func (p *listPop) reply(c *conn) {
	c.w.WriteArrayHeader(2)
	c.w.WriteBulk(p.key)
	if p.count < 0 {
		c.w.WriteBulk(p.vals[0])
		return
	}
	c.writeBulks(p.vals)
}

func (p *listPop) pushed() []byte { return nil }

// listMove is the move of BLMOVE and BRPOPLPUSH, journalled as LMOVE and
// RPOPLPUSH.
type listMove struct {
	dst       []byte
	fromFront bool
	toFront   bool
	rpoplpush bool
	val       []byte
}

func (m *listMove) take(c *conn, db *store.Store, key []byte) (bool, error) {
	var rec [][]byte
	if !c.replay {
		if m.rpoplpush {
			rec = [][]byte{wordRPOPLPUSH, key, m.dst}
		} else {
			rec = [][]byte{wordLMOVE, key, m.dst, side(m.fromFront), side(m.toFront)}
		}
	}
	v, ok, gone, err := db.LMove(key, m.dst, m.fromFront, m.toFront, rec)
	if err != nil || !ok {
		return false, err
	}
	c.notifyPop(db.Index(), evList, pushEvent(m.toFront), m.dst)
	c.notifyPopped(db.Index(), evList, popEvent(m.fromFront), key, gone)
	m.val = v
	c.h.watches.touch(db.Index(), key)
	c.h.watches.touch(db.Index(), m.dst)
	return true, nil
}

func (m *listMove) reply(c *conn)  { c.w.WriteBulk(m.val) }
func (m *listMove) pushed() []byte { return m.dst }

// side is the word of an end of a list in an LMOVE record.
func side(front bool) []byte {
	if front {
		return wordLEFT
	}
	return wordRIGHT
}

// parseSide reads LEFT or RIGHT: front, and whether it is either.
func parseSide(a []byte) (front, ok bool) {
	front = eqFold(a, "LEFT")
	return front, front || eqFold(a, "RIGHT")
}

func writeNullBulk(c *conn)  { c.w.WriteNull() }
func writeNullArray(c *conn) { c.w.WriteNullArray() }

// zsetPop is the pop of BZPOPMIN, BZPOPMAX (count < 0: one member,
// replied as [key, member, score]) and of ZMPOP, BZMPOP (up to count,
// replied as [key, [[member, score] ...]]).
type zsetPop struct {
	highest bool
	count   int
	key     []byte
	pairs   []store.ZPair
}

func (p *zsetPop) take(c *conn, db *store.Store, key []byte) (bool, error) {
	word, pop := wordZPOPMIN, db.ZPopMin
	if p.highest {
		word, pop = wordZPOPMAX, db.ZPopMax
	}
	pairs, gone, err := pop(key, max(p.count, 1), popRecord(c, word, key, p.count))
	if err != nil || len(pairs) == 0 {
		return false, err
	}
	c.notifyPopped(db.Index(), evZSet, zpopEvent(p.highest), key, gone)
	p.key, p.pairs = key, pairs
	c.h.watches.touch(db.Index(), key)
	return true, nil
}

func (p *zsetPop) pushed() []byte { return nil }

func (p *zsetPop) reply(c *conn) {
	if p.count < 0 {
		c.w.WriteArrayHeader(3)
		c.w.WriteBulk(p.key)
		c.w.WriteBulk(p.pairs[0].Member)
		c.writeScore(p.pairs[0].Score)
		return
	}
	c.w.WriteArrayHeader(2)
	c.w.WriteBulk(p.key)
	c.w.WriteArrayHeader(len(p.pairs))
	for _, pr := range p.pairs {
		c.w.WriteArrayHeader(2)
		c.w.WriteBulk(pr.Member)
		c.writeScore(pr.Score)
	}
}

// keysOwned copies keys out of the reader's buffers, which the next
// command reuses: a blocked client keeps them.
func keysOwned(keys [][]byte) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = bytes.Clone(k)
	}
	return out
}

func cmdBLPop(c *conn, args [][]byte)    { c.blockingPop(args, &listPop{front: true, count: -1}) }
func cmdBRPop(c *conn, args [][]byte)    { c.blockingPop(args, &listPop{count: -1}) }
func cmdBZPopMin(c *conn, args [][]byte) { c.blockingPop(args, &zsetPop{count: -1}) }
func cmdBZPopMax(c *conn, args [][]byte) { c.blockingPop(args, &zsetPop{highest: true, count: -1}) }

// blockingPop is BLPOP, BRPOP, BZPOPMIN and BZPOPMAX key [key ...]
// timeout.
func (c *conn) blockingPop(args [][]byte, op popper) {
	timeout, ok := c.parseTimeout(args[len(args)-1])
	if !ok {
		return
	}
	c.blockOn(keysOwned(args[1:len(args)-1]), timeout, op, writeNullArray)
}

// cmdLMove is LMOVE source destination LEFT|RIGHT LEFT|RIGHT, journalled
// as received.
func cmdLMove(c *conn, args [][]byte) {
	from, ok1 := parseSide(args[3])
	to, ok2 := parseSide(args[4])
	if !ok1 || !ok2 {
		c.w.WriteError(errSyntax)
		return
	}
	c.move(args, from, to)
}

// cmdRPopLPush is RPOPLPUSH source destination, journalled as received.
func cmdRPopLPush(c *conn, args [][]byte) { c.move(args, false, true) }

func (c *conn) move(args [][]byte, from, to bool) {
	v, ok, gone, err := c.db.LMove(args[1], args[2], from, to, c.recordArgs(args))
	if ok && err == nil {
		c.notify(evList, pushEvent(to), args[2])
		c.notifyRemoved(evList, popEvent(from), args[1], gone)
	}
	c.writeFound(v, ok, err)
}

// cmdBLMove is BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
func cmdBLMove(c *conn, args [][]byte) {
	from, ok1 := parseSide(args[3])
	to, ok2 := parseSide(args[4])
	if !ok1 || !ok2 {
		c.w.WriteError(errSyntax)
		return
	}
	c.blockingMove(args[1], args[2], args[5], from, to, false)
}

// cmdBRPopLPush is BRPOPLPUSH source destination timeout.
func cmdBRPopLPush(c *conn, args [][]byte) {
	c.blockingMove(args[1], args[2], args[3], false, true, true)
}

func (c *conn) blockingMove(src, dst, timeoutArg []byte, from, to, rpoplpush bool) {
	timeout, ok := c.parseTimeout(timeoutArg)
	if !ok {
		return
	}
	m := &listMove{dst: bytes.Clone(dst), fromFront: from, toFront: to, rpoplpush: rpoplpush}
	c.blockOn(keysOwned([][]byte{src}), timeout, m, writeNullBulk)
}

// mpop is what LMPOP, BLMPOP, ZMPOP and BZMPOP say: numkeys key [key ...]
// LEFT|RIGHT (MIN|MAX) [COUNT count], read from args[at] on.
type mpop struct {
	keys  [][]byte
	first bool // LEFT, MIN
	count int
}

// parseMPop reads an mpop from args[at:], whose where is LEFT|RIGHT (lists)
// or MIN|MAX, with Redis's errors in Redis's order.
func (c *conn) parseMPop(args [][]byte, at int, lists bool) (mpop, bool) {
	n, ok := resp.ParseInt(args[at])
	if !ok || n <= 0 {
		c.w.WriteError("ERR numkeys should be greater than 0")
		return mpop{}, false
	}
	if n >= int64(len(args)) { // not as many keys, nor any where: and no overflow below
		c.w.WriteError(errSyntax)
		return mpop{}, false
	}
	where := int64(at) + n + 1
	if where >= int64(len(args)) {
		c.w.WriteError(errSyntax)
		return mpop{}, false
	}
	m := mpop{keys: args[at+1 : where], count: -1}
	w := args[where]
	switch {
	case lists && (eqFold(w, "LEFT") || eqFold(w, "RIGHT")):
		m.first = eqFold(w, "LEFT")
	case !lists && (eqFold(w, "MIN") || eqFold(w, "MAX")):
		m.first = eqFold(w, "MIN")
	default:
		c.w.WriteError(errSyntax)
		return mpop{}, false
	}
	for j := int(where) + 1; j < len(args); j++ {
		if m.count != -1 || !eqFold(args[j], "COUNT") || j == len(args)-1 {
			c.w.WriteError(errSyntax)
			return mpop{}, false
		}
		j++
		cnt, ok := resp.ParseInt(args[j])
		if !ok || cnt <= 0 {
			c.w.WriteError("ERR count should be greater than 0")
			return mpop{}, false
		}
		m.count = int(min(cnt, 1<<31))
	}
	if m.count == -1 {
		m.count = 1
	}
	return m, true
}

func (m mpop) popper(lists bool) popper {
	if lists {
		return &listPop{front: m.first, count: m.count}
	}
	return &zsetPop{highest: !m.first, count: m.count}
}

func cmdLMPop(c *conn, args [][]byte) { c.mpopNow(args, true) }
func cmdZMPop(c *conn, args [][]byte) { c.mpopNow(args, false) }

// mpopNow is LMPOP and ZMPOP numkeys key [key ...] where [COUNT count]:
// a null array when every key is empty.
func (c *conn) mpopNow(args [][]byte, lists bool) {
	m, ok := c.parseMPop(args, 1, lists)
	if ok && !c.takeFirst(m.keys, m.popper(lists)) {
		c.w.WriteNullArray()
	}
}

func cmdBLMPop(c *conn, args [][]byte) { c.mpopBlocking(args, true) }
func cmdBZMPop(c *conn, args [][]byte) { c.mpopBlocking(args, false) }

// mpopBlocking is BLMPOP and BZMPOP timeout numkeys key [key ...] where
// [COUNT count]; the timeout is read last, as Redis reads it.
func (c *conn) mpopBlocking(args [][]byte, lists bool) {
	m, ok := c.parseMPop(args, 2, lists)
	if !ok {
		return
	}
	timeout, ok := c.parseTimeout(args[1])
	if !ok {
		return
	}
	c.blockOn(keysOwned(m.keys), timeout, m.popper(lists), writeNullArray)
}
