package server

import (
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

func cmdHSet(c *conn, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.WriteError(wrongArgs("hset"))
		return
	}
	n, err := c.db.HSet(args[1], args[2:], c.recordArgs(args))
	if err == nil {
		c.notify(evHash, "hset", args[1])
	}
	c.writeCount(n, err)
}

func cmdHGet(c *conn, args [][]byte) { c.writeFound(c.db.HGet(args[1], args[2])) }

func cmdHDel(c *conn, args [][]byte) {
	n, gone, err := c.db.HDel(args[1], args[2:], c.recordArgs(args))
	if n > 0 {
		c.notifyRemoved(evHash, "hdel", args[1], gone)
	}
	c.writeCount(n, err)
}

func cmdHGetAll(c *conn, args [][]byte) {
	vals, err := c.db.HGetAll(args[1])
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
	ok, err := c.db.HExists(args[1], args[2])
	c.writeFlag(ok, err)
}
