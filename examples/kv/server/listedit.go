package server

import (
	"errors"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// The list edits below are journalled as received: each replays to the
// same list from the same list.

// cmdLInsert is LINSERT key BEFORE|AFTER pivot element.
func cmdLInsert(c *conn, args [][]byte) {
	before := eqFold(args[2], "BEFORE")
	if !before && !eqFold(args[2], "AFTER") {
		c.w.WriteError(errSyntax)
		return
	}
	n, err := c.db.LInsert(args[1], before, args[3], args[4], c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if n > 0 {
		c.notify(evList, "linsert", args[1])
	}
	c.w.WriteInt(int64(n))
}

// cmdLSet is LSET key index element.
func cmdLSet(c *conn, args [][]byte) {
	i, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	err := c.db.LSet(args[1], i, args[3], c.recordArgs(args))
	switch {
	case errors.Is(err, store.ErrIndexRange):
		c.w.WriteError("ERR index out of range")
	case err != nil:
		c.writeStoreError(err)
	default:
		c.notify(evList, "lset", args[1])
		c.w.WriteOK()
	}
}

// cmdLTrim is LTRIM key start stop.
func cmdLTrim(c *conn, args [][]byte) {
	start, stop, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	found, gone, err := c.db.LTrim(args[1], start, stop, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if found { // "ltrim" even if it kept every element, as in Redis
		c.notifyRemoved(evList, "ltrim", args[1], gone)
	}
	c.w.WriteOK()
}

// cmdLRem is LREM key count element.
func cmdLRem(c *conn, args [][]byte) {
	count, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	n, gone, err := c.db.LRem(args[1], count, args[3], c.recordArgs(args))
	c.writeRemoved(evList, "lrem", args[1], n, gone, err)
}

func cmdLPushX(c *conn, args [][]byte) { c.pushX(args, true) }
func cmdRPushX(c *conn, args [][]byte) { c.pushX(args, false) }

// pushX is LPUSHX and RPUSHX: a push only onto an existing list.
func (c *conn) pushX(args [][]byte, front bool) {
	n, err := c.db.PushX(args[1], args[2:], front, c.recordArgs(args))
	if n > 0 && err == nil {
		c.notify(evList, pushEvent(front), args[1])
	}
	c.writeCount(n, err)
}
