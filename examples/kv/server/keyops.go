package server

import (
	"errors"
	"math"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

var wordRename = []byte("RENAME")

// cmdRenameNX is RENAMENX key newkey, journalled as the RENAME it did.
func cmdRenameNX(c *conn, args [][]byte) {
	done, err := c.db.RenameNX(args[1], args[2], c.record(wordRename, args[1], args[2]))
	if done && err == nil {
		c.notifyRenamed(args[1], args[2])
	}
	c.writeFlag(done, err)
}

// cmdExpireTime is EXPIRETIME key: the unix time in seconds at which key
// expires, -1 if it has no expiry, -2 if it is missing.
func cmdExpireTime(c *conn, args [][]byte) {
	at := c.db.ExpireTime(args[1])
	c.lookedUp(args[1], at != -2, nil)
	if at > 0 {
		at /= 1000
	}
	c.w.WriteInt(at)
}

// cmdPExpireTime is EXPIRETIME in milliseconds.
func cmdPExpireTime(c *conn, args [][]byte) {
	at := c.db.ExpireTime(args[1])
	c.lookedUp(args[1], at != -2, nil)
	c.w.WriteInt(at)
}

// cmdCopy is COPY source destination [DB destination-db] [REPLACE],
// journalled as received: in the source's database it replays to the
// same copy.
func cmdCopy(c *conn, args [][]byte) {
	to, replace := c.db, false
	for i := 3; i < len(args); i++ {
		switch {
		case eqFold(args[i], "REPLACE"):
			replace = true
		case eqFold(args[i], "DB") && i+1 < len(args):
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.w.WriteError(errNotInteger)
				return
			}
			if n < 0 || n >= store.NumDBs {
				c.w.WriteError(errDBIndex)
				return
			}
			to = c.h.store.DB(int(n))
			i++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	done, found, err := c.db.Copy(args[1], to, args[2], replace, c.recordArgs(args))
	if errors.Is(err, store.ErrSameObject) {
		c.w.WriteError("ERR source and destination objects are the same")
		return
	}
	c.lookedUp(args[1], found, nil) // COPY reads its source
	if done && err == nil {
		c.notifyDB(to.Index(), evGeneric, "copy_to", args[2])
	}
	if done && to != c.db { // the key positions name dst in c.db only
		c.serveIn(to.Index(), args[2])
	}
	c.writeFlag(done, err)
}

// cmdSwapDB is SWAPDB index1 index2, journalled as received. The watchers
// of a key that exists in either database are touched: its value changes
// under them.
func cmdSwapDB(c *conn, args [][]byte) {
	a, ok1 := resp.ParseInt(args[1])
	if !ok1 {
		c.w.WriteError("ERR invalid first DB index")
		return
	}
	b, ok2 := resp.ParseInt(args[2])
	if !ok2 {
		c.w.WriteError("ERR invalid second DB index")
		return
	}
	if a < 0 || a >= store.NumDBs || b < 0 || b >= store.NumDBs {
		c.w.WriteError(errDBIndex)
		return
	}
	c.h.watches.touchSwapped(c.h.store.DB(int(a)), c.h.store.DB(int(b)))
	if err := c.h.store.SwapDB(int(a), int(b), c.recordArgs(args)); err != nil {
		if errors.Is(err, store.ErrRewriting) {
			c.w.WriteError("ERR SWAPDB is not possible while the append-only file is being rewritten; try again")
			return
		}
		c.writeStoreError(err)
		return
	}
	c.h.serveDB(int(a), int(b)) // the clients blocked in either may find their keys now
	c.w.WriteOK()
}

// cmdMove is MOVE key db, journalled as received: the key, with its
// expiry, goes to database db if it is not there already.
func cmdMove(c *conn, args [][]byte) {
	n, ok := resp.ParseInt(args[2])
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		c.w.WriteError(errNotInteger)
		return
	}
	if n < 0 || n >= store.NumDBs {
		c.w.WriteError(errDBIndex)
		return
	}
	to := c.h.store.DB(int(n))
	done, err := c.db.Move(args[1], to, c.recordArgs(args))
	if errors.Is(err, store.ErrSameObject) {
		c.w.WriteError("ERR source and destination objects are the same")
		return
	}
	if done {
		c.notify(evGeneric, "move_from", args[1])
		c.notifyDB(to.Index(), evGeneric, "move_to", args[1])
		c.serveIn(to.Index(), args[1])
	}
	c.writeFlag(done, err)
}

// cmdRandomKey is RANDOMKEY: a key of the database, or nil if it has
// none.
func cmdRandomKey(c *conn, _ [][]byte) {
	k, ok := c.db.RandomKey()
	if !ok {
		c.w.WriteNull()
		return
	}
	c.w.WriteBulkString(k)
}
