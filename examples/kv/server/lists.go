package server

import (
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

const errPositive = "ERR value is out of range, must be positive"

func cmdLPush(c *conn, args [][]byte) { c.push(args, true) }
func cmdRPush(c *conn, args [][]byte) { c.push(args, false) }

func (c *conn) push(args [][]byte, front bool) {
	n, err := c.db.Push(args[1], args[2:], front, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evList, pushEvent(front), args[1])
	c.w.WriteInt(int64(n))
}

func cmdLPop(c *conn, args [][]byte) { c.pop(args, true) }
func cmdRPop(c *conn, args [][]byte) { c.pop(args, false) }

// pop is LPOP and RPOP key [count]: without count one element or nil,
// with count an array, nil if the key is missing.
func (c *conn) pop(args [][]byte, front bool) {
	count, ok := c.popCount(args, func() string { return wrongArgs(string(lowerName(args[0]))) })
	if !ok {
		return
	}
	n := count
	if n < 0 {
		n = 1
	}
	vals, gone, err := c.db.Pop(args[1], n, front, c.recordArgs(args))
	if len(vals) > 0 {
		c.notifyRemoved(evList, popEvent(front), args[1], gone)
	}
	switch {
	case err != nil:
		c.writeStoreError(err)
	case count < 0 && len(vals) == 0:
		c.w.WriteNull()
	case count < 0:
		c.w.WriteBulk(vals[0])
	case vals == nil:
		c.w.WriteNullArray()
	default:
		c.writeBulks(vals)
	}
}

// count reads the optional count argument at args[i] of LPOP, SPOP and
// ZPOPMIN: -1 when absent; a negative or non-integer count gets Redis's
// error.
// popCount reads the optional count of a pop command (LPOP key [count]
// and its kin): -1 when absent. More arguments get the error Redis gives
// that command, which tooMany builds only then; a bad count gets Redis's
// "must be positive".
func (c *conn) popCount(args [][]byte, tooMany func() string) (int, bool) {
	if len(args) > 3 {
		c.w.WriteError(tooMany())
		return 0, false
	}
	if len(args) == 2 {
		return -1, true
	}
	n, ok := resp.ParseInt(args[2])
	if !ok || n < 0 {
		c.w.WriteError(errPositive)
		return 0, false
	}
	return int(min(n, 1<<31)), true
}

// syntaxError is the tooMany of the pop commands that Redis answers with
// a syntax error.
func syntaxError() string { return errSyntax }

func cmdLRange(c *conn, args [][]byte) {
	start, stop, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	vals, found, err := c.db.LRange(args[1], start, stop)
	c.lookedUp(args[1], found, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeBulks(vals)
}

func cmdLLen(c *conn, args [][]byte) { c.lenOf(args[1], store.KindList) }

func cmdLIndex(c *conn, args [][]byte) {
	i, ok := resp.ParseInt(args[2])
	if !ok {
		// Redis looks the key up first: a missing key is nil whatever
		// the index.
		found := c.db.Exists(args[1])
		c.lookedUp(args[1], found, nil)
		if found {
			c.w.WriteError(errNotInteger)
		} else {
			c.w.WriteNull()
		}
		return
	}
	v, ok, found, err := c.db.LIndex(args[1], i)
	c.lookedUp(args[1], found, err)
	c.writeFound(v, ok, err)
}

// writeBulks writes vals as an array of bulk strings.
func (c *conn) writeBulks(vals [][]byte) {
	c.w.WriteArrayHeader(len(vals))
	for _, v := range vals {
		c.w.WriteBulk(v)
	}
}

// lowerName is a command's name as Redis writes it in errors.
func lowerName(name []byte) []byte {
	out := make([]byte, len(name))
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		out[i] = ch
	}
	return out
}

// pushEvent and popEvent name a push and a pop at the head (front) or the
// tail of a list, as Redis's keyspace events do.
func pushEvent(front bool) string {
	if front {
		return "lpush"
	}
	return "rpush"
}

func popEvent(front bool) string {
	if front {
		return "lpop"
	}
	return "rpop"
}
