package server

import (
	"errors"
	"strconv"
	"strings"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// xgroupArity is the arity of each XGROUP subcommand, as Redis 7 checks
// it before the subcommand runs.
var xgroupArity = map[string]int{"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5, "delconsumer": 5, "help": 2}

var xgroupHelp = []string{
	"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
	"HELP",
	"    Prints this help.",
}

// subArity checks a container command's subcommand and its arity, as
// Redis 7 does before running it, answering the error if it fails.
func (c *conn) subArity(args [][]byte, cmd string, arity map[string]int) (string, bool) {
	sub := strings.ToLower(string(args[1]))
	n, known := arity[sub]
	switch {
	case !known:
		c.w.WriteError(unknownSubcommand(args[1], cmd))
		return "", false
	case n > 0 && len(args) != n || n < 0 && len(args) < -n:
		c.w.WriteError(wrongArgs(cmd + "|" + sub))
		return "", false
	}
	return sub, true
}

func (c *conn) subcommandSyntax(args [][]byte, cmd string) {
	c.w.WriteError("ERR unknown subcommand or wrong number of arguments for '" + string(clip(args[1], 128)) + "'. Try " + cmd + " HELP.")
}

// writeNoGroupFor answers ErrNoGroup in XGROUP's and XINFO's words.
func (c *conn) writeNoGroupFor(err error, key, group []byte) {
	if errors.Is(err, store.ErrNoGroup) {
		c.w.WriteError("NOGROUP No such consumer group '" + string(group) + "' for key name '" + string(key) + "'")
		return
	}
	c.writeStreamError(err)
}

// cmdXGroup is XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP,
// journalled as received ($ replays to the same ID).
func cmdXGroup(c *conn, args [][]byte) {
	sub, ok := c.subArity(args, "xgroup", xgroupArity)
	if !ok {
		return
	}
	if sub == "help" {
		c.writeHelp(xgroupHelp)
		return
	}
	mkstream := false
	entriesRead := int64(-1)
	for i := 5; i < len(args); {
		switch {
		case sub == "create" && eqFold(args[i], "MKSTREAM"):
			mkstream = true
			i++
		case (sub == "create" || sub == "setid") && eqFold(args[i], "ENTRIESREAD") && i+1 < len(args):
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.w.WriteError(errNotInteger)
				return
			}
			if n < 0 && n != -1 {
				c.w.WriteError("ERR value for ENTRIESREAD must be positive or -1")
				return
			}
			entriesRead = n
			i += 2
		default:
			c.subcommandSyntax(args, "XGROUP")
			return
		}
	}
	key, group := args[2], args[3]
	if err := c.checkStream(key); err != nil {
		c.writeStoreError(err)
		return
	}
	rec := c.recordArgs(args)
	switch sub {
	case "create", "setid":
		if sub == "create" && len(args) > 8 || sub == "setid" && len(args) != 5 && len(args) != 7 {
			c.subcommandSyntax(args, "XGROUP")
			return
		}
		dollar := string(args[4]) == "$"
		var id store.StreamID
		if !dollar {
			if id, ok = c.parseID(args[4], 0, sub == "create"); !ok {
				return
			}
		}
		var created bool
		var err error
		if sub == "create" {
			created, err = c.db.XGroupCreate(key, group, id, dollar, mkstream, entriesRead, rec)
		} else {
			err = c.db.XGroupSetID(key, group, id, dollar, entriesRead, rec)
		}
		if err != nil {
			c.writeNoGroupFor(err, key, group)
			return
		}
		c.notifyGroups("xgroup-"+sub, key)
		if created { // MKSTREAM: a new key, which Redis signals modified
			c.touch(c.db.Index(), key)
		}
		c.w.WriteOK()
	case "destroy", "createconsumer":
		var changed bool
		var err error
		if sub == "destroy" {
			changed, err = c.db.XGroupDestroy(key, group, rec)
		} else {
			changed, err = c.db.XGroupCreateConsumer(key, group, args[4], rec)
		}
		if err != nil {
			c.writeNoGroupFor(err, key, group) // never ErrNoGroup from DESTROY: a missing group is 0
			return
		}
		if changed {
			c.notifyGroups("xgroup-"+sub, key)
		}
		c.writeFlag(changed, nil)
	case "delconsumer":
		n, existed, err := c.db.XGroupDelConsumer(key, group, args[4], rec)
		if err != nil {
			c.writeNoGroupFor(err, key, group)
			return
		}
		if existed {
			c.notifyGroups("xgroup-delconsumer", key)
		}
		c.w.WriteInt(n)
	}
}

// cmdXAck is XACK key group id [id ...].
func cmdXAck(c *conn, args [][]byte) {
	if err := c.lookupStream(args[1]); err != nil {
		c.writeStoreError(err)
		return
	}
	if c.db.XGroupCheck(args[1], args[2]) != nil {
		c.w.WriteInt(0)
		return
	}
	ids, ok := c.parseIDs(args[3:])
	if !ok {
		return
	}
	n, err := c.db.XAck(args[1], args[2], ids, c.recordArgs(args))
	c.writeCount(n, err)
}

// writeNoGroup answers ErrNoGroup as XPENDING, XCLAIM and XAUTOCLAIM do.
func (c *conn) writeNoGroup(err error, key, group []byte, suffix string) {
	if errors.Is(err, store.ErrNoGroup) {
		c.w.WriteError("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'" + suffix)
		return
	}
	c.writeStreamError(err)
}

// cmdXPending is XPENDING key group [[IDLE min-idle] start end count
// [consumer]].
func cmdXPending(c *conn, args [][]byte) {
	if len(args) != 3 && (len(args) < 6 || len(args) > 9) {
		c.w.WriteError(errSyntax)
		return
	}
	key, group := args[1], args[2]
	if len(args) == 3 {
		_ = c.lookupStream(key) // counted only: XPendingSummary answers
		sum, err := c.db.XPendingSummary(key, group)
		if err != nil {
			c.writeNoGroup(err, key, group, "")
			return
		}
		c.w.WriteArrayHeader(4)
		c.w.WriteInt(int64(sum.Count))
		if sum.Count == 0 {
			c.w.WriteNull()
			c.w.WriteNull()
			c.w.WriteNullArray()
			return
		}
		c.writeID(sum.First)
		c.writeID(sum.Last)
		c.w.WriteArrayHeader(len(sum.Consumers))
		for _, cp := range sum.Consumers {
			c.w.WriteArrayHeader(2)
			c.w.WriteBulkString(cp.Name)
			c.w.WriteBulk(strconv.AppendInt(nil, int64(cp.Count), 10))
		}
		return
	}
	at := 3
	var minIdle int64
	if eqFold(args[3], "IDLE") {
		n, ok := resp.ParseInt(args[4])
		if !ok {
			c.w.WriteError(errNotInteger)
			return
		}
		if len(args) < 8 {
			c.w.WriteError(errSyntax)
			return
		}
		minIdle, at = n, 5
	}
	count, ok := resp.ParseInt(args[at+2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	start, ok := c.parseInterval(args[at], false)
	if !ok {
		return
	}
	end, ok := c.parseInterval(args[at+1], true)
	if !ok {
		return
	}
	var consumer []byte
	if at+3 < len(args) {
		consumer = args[at+3]
	}
	_ = c.lookupStream(key) // counted only, after the arguments as in Redis: XPendingRange answers
	pel, err := c.db.XPendingRange(key, group, consumer, start, end, max(count, 0), minIdle)
	if err != nil {
		c.writeNoGroup(err, key, group, "")
		return
	}
	now := c.db.Now()
	c.w.WriteArrayHeader(len(pel))
	for _, p := range pel {
		c.w.WriteArrayHeader(4)
		c.writeID(p.ID)
		c.w.WriteBulkString(p.Consumer)
		c.w.WriteInt(max(now-p.Delivered, 0))
		c.w.WriteInt(p.Count)
	}
}

// cmdXClaim is XCLAIM key group consumer min-idle-time id [id ...] [IDLE
// ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id], journalled
// as an XCLAIM per entry claimed (see store.Store.XClaim).
func cmdXClaim(c *conn, args [][]byte) {
	key, group := args[1], args[2]
	_ = c.lookupStream(key) // counted only, first as in Redis: XGroupCheck answers
	if err := c.db.XGroupCheck(key, group); err != nil {
		c.writeNoGroup(err, key, group, "")
		return
	}
	minIdle, ok := resp.ParseInt(args[4])
	if !ok {
		c.w.WriteError("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	j := 5
	var ids []store.StreamID
	for ; j < len(args); j++ {
		id, ok := store.ParseStreamID(args[j], 0, true)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	a := store.XClaimArgs{MinIdle: max(minIdle, 0), Delivered: -1, RetryCount: -1, Replay: c.replay}
	now := c.db.Now()
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case eqFold(opt, "FORCE"):
			a.Force = true
		case eqFold(opt, "JUSTID"):
			a.JustID = true
		case (eqFold(opt, "IDLE") || eqFold(opt, "TIME") || eqFold(opt, "RETRYCOUNT")) && more > 0:
			j++
			n, ok := resp.ParseInt(args[j])
			if !ok {
				c.w.WriteError("ERR Invalid " + strings.ToUpper(string(opt)) + " option argument for XCLAIM")
				return
			}
			switch {
			case eqFold(opt, "IDLE"):
				a.Delivered = now - n
			case eqFold(opt, "TIME"):
				a.Delivered = n
			default:
				a.RetryCount = n
			}
		case eqFold(opt, "LASTID") && more > 0:
			j++
			id, ok := c.parseID(args[j], 0, true)
			if !ok {
				return
			}
			a.LastID = id
		default:
			c.w.WriteError("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	res, err := c.db.XClaim(key, group, args[3], ids, a, !c.replay)
	if err != nil {
		c.writeNoGroup(err, key, group, "")
		return
	}
	if res.Created {
		c.notifyGroups("xgroup-createconsumer", key)
	}
	c.writeClaimed(res.Entries, a.JustID)
}

// writeClaimed writes the entries XCLAIM and XAUTOCLAIM claimed, or with
// JUSTID their IDs alone.
func (c *conn) writeClaimed(ents []store.StreamEntry, justID bool) {
	if !justID {
		c.writeEntries(ents)
		return
	}
	c.w.WriteArrayHeader(len(ents))
	for _, e := range ents {
		c.writeID(e.ID)
	}
}

// cmdXAutoClaim is XAUTOCLAIM key group consumer min-idle-time start
// [COUNT count] [JUSTID].
func cmdXAutoClaim(c *conn, args [][]byte) {
	key, group := args[1], args[2]
	_ = c.lookupStream(key) // counted only, first as in Redis: the store's calls answer
	minIdle, ok := resp.ParseInt(args[4])
	if !ok {
		c.w.WriteError("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	start, ok := c.parseInterval(args[5], false)
	if !ok {
		return
	}
	count, justID := int64(100), false
	for j := 6; j < len(args); j++ {
		switch {
		case eqFold(args[j], "COUNT") && j < len(args)-1:
			j++
			n, ok := resp.ParseInt(args[j])
			if !ok || n < 1 || n > (1<<63-1)/16 {
				c.w.WriteError("ERR COUNT must be > 0")
				return
			}
			count = n
		case eqFold(args[j], "JUSTID"):
			justID = true
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	res, err := c.db.XAutoClaim(key, group, args[3], max(minIdle, 0), start, count, justID, !c.replay)
	if err != nil {
		c.writeNoGroup(err, key, group, "")
		return
	}
	if res.Created {
		c.notifyGroups("xgroup-createconsumer", key)
	}
	c.w.WriteArrayHeader(3)
	c.writeID(res.Next)
	c.writeClaimed(res.Entries, justID)
	c.w.WriteArrayHeader(len(res.Deleted))
	for _, id := range res.Deleted {
		c.writeID(id)
	}
}
