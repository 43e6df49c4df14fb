package server

import (
	"errors"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// The stream commands: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM and
// XSETID here; the consumer groups' in streamgroups.go, XREAD and the
// blocking reads in streamread.go, XINFO in streaminfo.go. Parsing and
// replies are here, the stream itself is the store's.

const (
	errStreamID     = "ERR Invalid stream ID specified as stream command argument"
	errStartID      = "ERR invalid start ID for the interval"
	errEndID        = "ERR invalid end ID for the interval"
	errXAddTooSmall = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
)

// notifyStream queues a stream command's keyspace event about key, with
// Redis's name of the event (xadd, xtrim, xdel), and marks the key
// modified for WATCH, as Redis signals those writes.
func (c *conn) notifyStream(event string, key []byte) { c.notify(evStream, event, key) }

// notifyGroups queues a stream event that changes the stream's groups
// or IDs, not its entries (XGROUP, XSETID, a consumer created by a read
// or a claim): Redis sends those without signalling the key modified, so
// a transaction that WATCHes the stream goes through.
func (c *conn) notifyGroups(event string, key []byte) { c.queueEvent(evStream, event, key) }

// parseID reads a stream ID argument, answering Redis's error if it is
// not one; "-" and "+" only if not strict.
func (c *conn) parseID(arg []byte, missingSeq uint64, strict bool) (store.StreamID, bool) {
	id, ok := store.ParseStreamID(arg, missingSeq, strict)
	if !ok {
		c.w.WriteError(errStreamID)
	}
	return id, ok
}

// parseInterval reads the start (or end) of a range, which "(" makes
// exclusive: the first (last) ID it takes in.
func (c *conn) parseInterval(arg []byte, end bool) (store.StreamID, bool) {
	missing := uint64(0)
	if end {
		missing = store.MaxStreamID.Seq
	}
	if len(arg) > 1 && arg[0] == '(' {
		id, ok := c.parseID(arg[1:], missing, true)
		if !ok {
			return id, false
		}
		if end {
			if id, ok = id.Prev(); !ok {
				c.w.WriteError(errEndID)
			}
			return id, ok
		}
		if id, ok = id.Next(); !ok {
			c.w.WriteError(errStartID)
		}
		return id, ok
	}
	return c.parseID(arg, missing, false)
}

// writeStreamError answers the errors the stream commands share.
func (c *conn) writeStreamError(err error) {
	switch {
	case errors.Is(err, store.ErrStreamExhausted):
		c.w.WriteError("ERR The stream has exhausted the last possible ID, unable to add more items")
	case errors.Is(err, store.ErrNoStream):
		c.w.WriteError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
	case errors.Is(err, store.ErrBusyGroup):
		c.w.WriteError("BUSYGROUP Consumer Group name already exists")
	default:
		c.writeStoreError(err)
	}
}

// writeEntries writes stream entries: each [id, [field value ...]], a
// null array for an entry deleted since (XREADGROUP's history).
func (c *conn) writeEntries(ents []store.StreamEntry) {
	c.w.WriteArrayHeader(len(ents))
	for _, e := range ents {
		c.writeEntry(e)
	}
}

func (c *conn) writeEntry(e store.StreamEntry) {
	c.w.WriteArrayHeader(2)
	c.writeID(e.ID)
	if e.Fields == nil {
		c.w.WriteNullArray()
		return
	}
	c.writeBulks(e.Fields)
}

func (c *conn) writeID(id store.StreamID) {
	var buf [48]byte
	c.w.WriteBulk(id.Append(buf[:0]))
}

// parseTrim reads XADD's (xadd) or XTRIM's options from args[2] on, as
// Redis's streamParseAddOrTrimArgsOrReply: the trim, and for XADD the ID
// and the position of the first field. nodeMax is stream-node-max-entries,
// which sets the default LIMIT of a ~ trim.
func (c *conn) parseTrim(args [][]byte, xadd bool, nodeMax int64) (a store.XAddArgs, fieldsAt int, ok bool) {
	limitGiven := false
	i := 2
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return c.finishTrim(a, limitGiven, xadd, nodeMax, i+1)
		case eqFold(opt, "MAXLEN") && more > 0, eqFold(opt, "MINID") && more > 0:
			if a.Trim.Strategy != store.TrimNone {
				c.w.WriteError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return a, 0, false
			}
			a.Trim.Approx = false
			next := args[i+1]
			if more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.Trim.Approx = next[0] == '~'
				i++
			}
			if eqFold(opt, "MAXLEN") {
				n, ok := c.trimCount(args[i+1], "MAXLEN")
				if !ok {
					return a, 0, false
				}
				a.Trim.Strategy, a.Trim.MaxLen = store.TrimMaxLen, n
			} else {
				id, ok := c.parseID(args[i+1], 0, true)
				if !ok {
					return a, 0, false
				}
				a.Trim.Strategy, a.Trim.MinID = store.TrimMinID, id
			}
			i++
		case eqFold(opt, "LIMIT") && more > 0:
			n, ok := c.trimCount(args[i+1], "LIMIT")
			if !ok {
				return a, 0, false
			}
			a.Trim.Limit, limitGiven = n, true
			i++
		case xadd && eqFold(opt, "NOMKSTREAM"):
			a.NoMkStream = true
		case xadd:
			id, seqGiven, ok := store.ParseAddID(opt)
			if !ok {
				c.w.WriteError(errStreamID)
				return a, 0, false
			}
			a.ID, a.IDGiven, a.SeqGiven = id, true, seqGiven
			return c.finishTrim(a, limitGiven, xadd, nodeMax, i+1)
		default:
			c.w.WriteError(errSyntax)
			return a, 0, false
		}
	}
	return c.finishTrim(a, limitGiven, xadd, nodeMax, i)
}

// trimCount reads MAXLEN's or LIMIT's (option's) count, answering Redis's
// error if it is not an integer of 0 or more.
func (c *conn) trimCount(arg []byte, option string) (int64, bool) {
	n, ok := resp.ParseInt(arg)
	switch {
	case !ok:
		c.w.WriteError(errNotInteger)
	case n < 0:
		c.w.WriteError("ERR The " + option + " argument must be >= 0.")
	}
	return n, ok && n >= 0
}

func (c *conn) finishTrim(a store.XAddArgs, limitGiven, xadd bool, nodeMax int64, at int) (store.XAddArgs, int, bool) {
	switch {
	case a.Trim.Limit != 0 && a.Trim.Strategy == store.TrimNone:
		c.w.WriteError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return a, 0, false
	case !xadd && a.Trim.Strategy == store.TrimNone:
		c.w.WriteError("ERR syntax error, XTRIM must be called with a trimming strategy")
		return a, 0, false
	case c.replay:
		a.Trim.Limit = 0
	case limitGiven && !a.Trim.Approx:
		c.w.WriteError("ERR syntax error, LIMIT cannot be used without the special ~ option")
		return a, 0, false
	case !limitGiven && a.Trim.Approx:
		a.Trim.Limit = 100 * nodeMax
		if a.Trim.Limit <= 0 {
			a.Trim.Limit = 10000
		}
		a.Trim.Limit = min(a.Trim.Limit, 1000000)
	case !limitGiven:
		a.Trim.Limit = 0
	}
	return a, at, true
}

// cmdXAdd is XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT
// count]] *|id field value [field value ...], journalled with the ID it
// chose and the length its trim left (see store.Store.XAdd).
func cmdXAdd(c *conn, args [][]byte) {
	nodeMax := c.h.settable.get("stream-node-max-entries")
	a, at, ok := c.parseTrim(args, true, nodeMax)
	if !ok {
		return
	}
	if n := len(args) - at; n < 2 || n%2 == 1 {
		c.w.WriteError(wrongArgs("xadd"))
		return
	}
	if a.IDGiven && a.SeqGiven && a.ID.IsZero() {
		c.w.WriteError("ERR The ID specified in XADD must be greater than 0-0")
		return
	}
	a.NodeMaxEntries, a.NodeMaxBytes = nodeMax, c.h.settable.get("stream-node-max-bytes")
	res, err := c.db.XAdd(args[1], a, args[at:], !c.replay)
	switch {
	case errors.Is(err, store.ErrStreamIDTooSmall):
		c.w.WriteError(errXAddTooSmall)
	case err != nil:
		c.writeStreamError(err)
	case !res.Added:
		c.w.WriteNull()
	default:
		c.writeID(res.ID)
		c.notifyStream("xadd", args[1])
		if res.Trimmed > 0 {
			c.notifyStream("xtrim", args[1])
		}
	}
}

// cmdXTrim is XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count],
// journalled as the exact MAXLEN it came to.
func cmdXTrim(c *conn, args [][]byte) {
	a, _, ok := c.parseTrim(args, false, c.h.settable.get("stream-node-max-entries"))
	if !ok {
		return
	}
	n, err := c.db.XTrim(args[1], a.Trim, !c.replay)
	c.writeRemoved(evStream, "xtrim", args[1], int(n), false, err)
}

func cmdXRange(c *conn, args [][]byte)    { c.xrange(args, false) }
func cmdXRevRange(c *conn, args [][]byte) { c.xrange(args, true) }

// xrange is XRANGE key start end [COUNT n] and XREVRANGE key end start
// [COUNT n].
func (c *conn) xrange(args [][]byte, rev bool) {
	startArg, endArg := args[2], args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.parseInterval(startArg, false)
	if !ok {
		return
	}
	end, ok := c.parseInterval(endArg, true)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(args); j++ {
		if !eqFold(args[j], "COUNT") || j == len(args)-1 {
			c.w.WriteError(errSyntax)
			return
		}
		j++
		n, ok := resp.ParseInt(args[j])
		if !ok {
			c.w.WriteError(errNotInteger)
			return
		}
		count = max(n, 0)
	}
	if count == 0 {
		k := c.db.Type(args[1])
		c.lookedUp(args[1], k != store.KindNone, nil)
		switch k {
		case store.KindNone:
			c.w.WriteArrayHeader(0)
		case store.KindStream:
			c.w.WriteNullArray()
		default:
			c.writeStoreError(store.ErrWrongType)
		}
		return
	}
	ents, err := c.db.XRange(args[1], start, end, int(max(count, 0)), rev)
	c.lookedUp(args[1], ents != nil, err) // nil only for a missing key
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.writeEntries(ents)
}

// checkStream returns ErrWrongType if key holds another type than a
// stream.
func (c *conn) checkStream(key []byte) error {
	if k := c.db.Type(key); k != store.KindNone && k != store.KindStream {
		return store.ErrWrongType
	}
	return nil
}

// lookupStream is checkStream for a command that reads key, which Redis
// looks up with lookupKeyRead before anything else: it counts the lookup
// as a hit or a miss (lookedUp). The commands on a consumer group call it
// for the count alone, as their store calls do not tell a missing key
// from a missing group: one more look at the key, off the hot path.
func (c *conn) lookupStream(key []byte) error {
	k := c.db.Type(key)
	c.lookedUp(key, k != store.KindNone, nil)
	if k != store.KindNone && k != store.KindStream {
		return store.ErrWrongType
	}
	return nil
}

func cmdXLen(c *conn, args [][]byte) { c.lenOf(args[1], store.KindStream) }

// parseIDs reads the stream IDs args, strictly, answering the error of
// the first that is not one.
func (c *conn) parseIDs(args [][]byte) ([]store.StreamID, bool) {
	ids := make([]store.StreamID, len(args))
	for i, a := range args {
		id, ok := c.parseID(a, 0, true)
		if !ok {
			return nil, false
		}
		ids[i] = id
	}
	return ids, true
}

// cmdXDel is XDEL key id [id ...].
func cmdXDel(c *conn, args [][]byte) {
	switch c.db.Type(args[1]) {
	case store.KindStream:
	case store.KindNone:
		c.w.WriteInt(0)
		return
	default:
		c.writeStoreError(store.ErrWrongType)
		return
	}
	ids, ok := c.parseIDs(args[2:])
	if !ok {
		return
	}
	n, err := c.db.XDel(args[1], ids, c.recordArgs(args))
	c.writeRemoved(evStream, "xdel", args[1], n, false, err)
}

// cmdXSetID is XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id].
func cmdXSetID(c *conn, args [][]byte) {
	id, ok := c.parseID(args[2], 0, true)
	if !ok {
		return
	}
	added := int64(-1)
	var maxDel store.StreamID
	for i := 3; i < len(args); i += 2 {
		more := len(args) - 1 - i
		switch {
		case eqFold(args[i], "ENTRIESADDED") && more > 0:
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.w.WriteError(errNotInteger)
				return
			}
			if n < 0 {
				c.w.WriteError("ERR entries_added must be positive")
				return
			}
			added = n
		case eqFold(args[i], "MAXDELETEDID") && more > 0:
			m, ok := c.parseID(args[i+1], 0, true)
			if !ok {
				return
			}
			if id.Less(m) {
				c.w.WriteError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDel = m
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	err := c.db.XSetID(args[1], id, added, maxDel, c.recordArgs(args))
	switch {
	case errors.Is(err, store.ErrStreamIDTooSmall):
		c.w.WriteError("ERR The ID specified in XSETID is smaller than the target stream top item")
	case errors.Is(err, store.ErrEntriesAddedTooLow):
		c.w.WriteError("ERR The entries_added specified in XSETID is smaller than the target stream length")
	case err != nil:
		c.writeStreamError(err)
	default:
		c.notifyGroups("xsetid", args[1])
		c.w.WriteOK()
	}
}
