package server

import (
	"bytes"
	"errors"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// xreadBlockedCount is the COUNT of a blocked XREAD that gave none,
// Redis's XREAD_BLOCKED_DEFAULT_COUNT: a client blocked with a low ID is
// not served a whole stream at once.
const xreadBlockedCount = 1000

// xread is what XREAD and XREADGROUP ask for.
type xread struct {
	group, consumer []byte // XREADGROUP only
	noack           bool
	count           int
	block           time.Duration
	blocking        bool
	keys            [][]byte
	ids             []store.StreamID
	newOnly         []bool // XREADGROUP's >
}

func cmdXRead(c *conn, args [][]byte)      { c.xread(args, false) }
func cmdXReadGroup(c *conn, args [][]byte) { c.xread(args, true) }

// parseXRead reads XREAD [COUNT n] [BLOCK ms] STREAMS key... id... and
// XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...,
// with Redis's errors in Redis's order; the IDs are read later.
func (c *conn) parseXRead(args [][]byte, group bool) (xread, int, bool) {
	var x xread
	streams := 0
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		o := args[i]
		switch {
		case eqFold(o, "BLOCK") && more > 0:
			i++
			n, ok := resp.ParseInt(args[i])
			if !ok {
				c.w.WriteError("ERR timeout is not an integer or out of range")
				return x, 0, false
			}
			if n < 0 {
				c.w.WriteError("ERR timeout is negative")
				return x, 0, false
			}
			x.blocking, x.block = true, time.Duration(min(n, int64(1<<62)/int64(time.Millisecond)))*time.Millisecond
		case eqFold(o, "COUNT") && more > 0:
			i++
			n, ok := resp.ParseInt(args[i])
			if !ok {
				c.w.WriteError(errNotInteger)
				return x, 0, false
			}
			x.count = int(min(max(n, 0), 1<<31))
		case eqFold(o, "STREAMS") && more > 0:
			streams = i + 1
			if (len(args)-streams)%2 != 0 {
				c.w.WriteError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return x, 0, false
			}
			i = len(args)
		case eqFold(o, "GROUP") && more >= 2:
			if !group {
				c.w.WriteError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return x, 0, false
			}
			x.group, x.consumer = args[i+1], args[i+2]
			i += 2
		case eqFold(o, "NOACK"):
			if !group {
				c.w.WriteError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return x, 0, false
			}
			x.noack = true
		default:
			c.w.WriteError(errSyntax)
			return x, 0, false
		}
	}
	if streams == 0 {
		c.w.WriteError(errSyntax)
		return x, 0, false
	}
	if group && x.group == nil {
		c.w.WriteError("ERR Missing GROUP option for XREADGROUP")
		return x, 0, false
	}
	return x, streams, true
}

// xread is XREAD and XREADGROUP: the streams that have something are
// answered at once; if none has and BLOCK was given, the client blocks
// (blocking.go) until an XADD gives one something. XREADGROUP's reads
// are journalled as what they did (see store.Store.XReadGroup).
func (c *conn) xread(args [][]byte, group bool) {
	x, streams, ok := c.parseXRead(args, group)
	if !ok {
		return
	}
	n := (len(args) - streams) / 2
	x.keys = args[streams : streams+n]
	x.ids = make([]store.StreamID, n)
	x.newOnly = make([]bool, n)
	for i, arg := range args[streams+n:] {
		key := x.keys[i]
		if err := c.lookupStream(key); err != nil {
			c.writeStoreError(err)
			return
		}
		if group {
			if err := c.db.XGroupCheck(key, x.group); err != nil {
				c.writeReadGroupError(err, key, x.group)
				return
			}
		}
		switch string(arg) {
		case "$":
			if group {
				c.w.WriteError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			last, err := c.db.XLastID(key)
			if err != nil {
				c.writeStoreError(err)
				return
			}
			x.ids[i] = last
			continue
		case ">":
			if !group {
				c.w.WriteError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			x.newOnly[i] = true
			continue
		}
		id, ok := c.parseID(arg, 0, true)
		if !ok {
			return
		}
		x.ids[i] = id
	}
	var out []streamRead
	for i, key := range x.keys {
		var ents []store.StreamEntry
		var ok bool
		var err error
		if group {
			var created bool
			ents, ok, created, err = c.db.XReadGroup(key, store.XReadGroupArgs{Group: x.group, Consumer: x.consumer,
				After: x.ids[i], New: x.newOnly[i], Count: x.count, NoAck: x.noack}, !c.replay)
			if created {
				c.notifyGroups("xgroup-createconsumer", key)
			}
			// Redis looks every key up again to read it: the group's
			// reads fail only for a key gone since the first look.
			c.lookedUp(key, err == nil, err)
		} else {
			var found bool
			ents, ok, found, err = c.db.XRead(key, x.ids[i], x.count, false)
			c.lookedUp(key, found, err) // Redis looks every key up again to read it
		}
		if err != nil {
			if len(out) == 0 {
				c.writeReadGroupError(err, key, x.group)
				return
			}
			continue
		}
		if ok {
			out = append(out, streamRead{key, ents})
		}
	}
	if len(out) > 0 {
		c.writeStreamReads(out)
		return
	}
	if !x.blocking {
		c.w.WriteNullArray()
		return
	}
	if x.count == 0 {
		x.count = xreadBlockedCount
	}
	// The wait keeps what take reads, copied: x's keys are the reader's
	// buffers, which the next command reuses.
	w := &streamWait{x: xread{group: bytes.Clone(x.group), consumer: bytes.Clone(x.consumer), noack: x.noack, count: x.count},
		after: map[string]store.StreamID{}}
	for i, key := range x.keys {
		if _, dup := w.after[string(key)]; !dup {
			w.after[string(key)] = x.ids[i]
		}
	}
	c.blockOn(keysOwned(x.keys), x.block, w, writeNullArray)
}

// streamRead is what a read took from one stream.
type streamRead struct {
	key  []byte
	ents []store.StreamEntry
}

// writeStreamReads answers XREAD and XREADGROUP with what they took: a
// map of each key to its entries in RESP3, an array of [key, entries]
// pairs in RESP2.
func (c *conn) writeStreamReads(reads []streamRead) {
	resp3 := c.w.Proto() == 3
	if resp3 {
		c.w.WriteMapHeader(len(reads))
	} else {
		c.w.WriteArrayHeader(len(reads))
	}
	for _, r := range reads {
		if !resp3 {
			c.w.WriteArrayHeader(2)
		}
		c.w.WriteBulk(r.key)
		c.writeEntries(r.ents)
	}
}

// writeReadGroupError answers XREADGROUP's errors.
func (c *conn) writeReadGroupError(err error, key, group []byte) {
	c.writeNoGroup(err, key, group, " in XREADGROUP with GROUP option")
}

// blockError is an error that ends a blocked client's wait with its
// text, as Redis ends an XREADGROUP whose group or stream went away.
type blockError string

func (e blockError) Error() string { return string(e) }

// streamWait is the wait of a blocked XREAD or XREADGROUP: it is served
// by any XADD past the ID it waits after (for XREADGROUP, the group's
// last delivered ID), and unlike a pop it takes nothing from the others
// waiting on the stream.
type streamWait struct {
	x     xread // its group, consumer, noack and count
	after map[string]store.StreamID
	took  streamRead
}

func (w *streamWait) take(c *conn, db *store.Store, key []byte) (bool, error) {
	// c.blk is set once the client waits: a write serving it then wakes it
	// for any ID past the one it waits after, as Redis does, even if
	// the entry is gone again.
	waiting := c.blk != nil
	var ents []store.StreamEntry
	var ok bool
	var err error
	if w.x.group != nil {
		if db.Type(key) != store.KindStream {
			if waiting {
				return false, blockError("UNBLOCKED the stream key no longer exists")
			}
			return false, nil
		}
		var created bool
		ents, ok, created, err = db.XReadGroup(key, store.XReadGroupArgs{Group: w.x.group, Consumer: w.x.consumer,
			New: true, Count: w.x.count, NoAck: w.x.noack, SinceLast: waiting}, !c.replay)
		if created {
			// Perhaps served by another client's write: notifyPop.
			c.notifyPop(db.Index(), evStream, "xgroup-createconsumer", key)
		}
		if errors.Is(err, store.ErrNoGroup) {
			if waiting {
				return false, blockError("NOGROUP the consumer group this client was blocked on no longer exists")
			}
			return false, blockError("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(w.x.group) + "' in XREADGROUP with GROUP option")
		}
	} else {
		ents, ok, _, err = db.XRead(key, w.after[string(key)], w.x.count, waiting)
	}
	if err != nil || !ok {
		return false, err
	}
	w.took = streamRead{key, ents}
	return true, nil
}

func (w *streamWait) reply(c *conn) { c.writeStreamReads([]streamRead{w.took}) }

func (w *streamWait) pushed() []byte { return nil }

// shared marks a wait that takes nothing from the others on its key.
func (w *streamWait) shared() {}
