package server

import (
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

func cmdHSet(c *conn, args [][]byte) {
	if n, ok := c.hset(args, "hset"); ok {
		c.w.WriteInt(int64(n))
	}
}

// cmdHMSet is HMSET key field value [field value ...]: HSET with Redis's
// older reply.
func cmdHMSet(c *conn, args [][]byte) {
	if _, ok := c.hset(args, "hmset"); ok {
		c.w.WriteOK()
	}
}

// hset sets the field value pairs of HSET and HMSET (named by name in
// Redis's arity error), journalled as received, and reports how many
// fields it added; false if it has replied with an error.
func (c *conn) hset(args [][]byte, name string) (int, bool) {
	if len(args)%2 != 0 {
		c.w.WriteError(wrongArgs(name))
		return 0, false
	}
	n, err := c.db.HSet(args[1], args[2:], c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return 0, false
	}
	c.notify(evHash, "hset", args[1])
	return n, true
}

func cmdHGet(c *conn, args [][]byte) {
	v, ok, found, err := c.db.HGet(args[1], args[2])
	c.lookedUp(args[1], found, err)
	c.writeFound(v, ok, err)
}

func cmdHDel(c *conn, args [][]byte) {
	n, gone, err := c.db.HDel(args[1], args[2:], c.recordArgs(args))
	c.writeRemoved(evHash, "hdel", args[1], n, gone, err)
}

func cmdHGetAll(c *conn, args [][]byte) {
	vals, err := c.db.HGetAll(args[1])
	c.lookedUp(args[1], len(vals) > 0, err) // a key is never an empty hash
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeMap(vals)
}

func cmdHLen(c *conn, args [][]byte) { c.lenOf(args[1], store.KindHash) }

func cmdHIncrBy(c *conn, args [][]byte) {
	delta, ok := resp.ParseInt(args[3])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	n, err := c.db.HIncrBy(args[1], args[2], delta, c.recordArgs(args))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evHash, "hincrby", args[1])
	c.w.WriteInt(n)
}

func cmdHExists(c *conn, args [][]byte) {
	ok, found, err := c.db.HExists(args[1], args[2])
	c.lookedUp(args[1], found, err)
	c.writeFlag(ok, err)
}
