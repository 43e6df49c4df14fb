package server

import (
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

var xinfoArity = map[string]int{"consumers": 4, "groups": 3, "stream": -3, "help": 2}

var xinfoHelp = []string{
	"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
	"HELP",
	"    Prints this help.",
}

// cmdXInfo is XINFO STREAM key [FULL [COUNT n]], XINFO GROUPS key, XINFO
// CONSUMERS key group and XINFO HELP; the descriptions are maps in RESP3.
func cmdXInfo(c *conn, args [][]byte) {
	sub, ok := c.subArity(args, "xinfo", xinfoArity)
	if !ok {
		return
	}
	key := args[2%len(args)]
	if sub != "help" {
		_ = c.lookupStream(key) // counted only, before the options as in Redis: the store's calls answer
	}
	switch sub {
	case "help":
		c.writeHelp(xinfoHelp)
	case "consumers":
		cs, err := c.db.XInfoConsumers(key, args[3])
		if err != nil {
			c.writeNoGroupFor(err, key, args[3])
			return
		}
		now := c.db.Now()
		c.w.WriteArrayHeader(len(cs))
		for _, ci := range cs {
			c.w.WriteMapHeader(3)
			c.w.WriteBulkString("name")
			c.w.WriteBulkString(ci.Name)
			c.w.WriteBulkString("pending")
			c.w.WriteInt(int64(ci.Pending))
			c.w.WriteBulkString("idle")
			c.w.WriteInt(max(now-ci.Seen, 0))
		}
	case "groups":
		gs, err := c.db.XInfoGroups(key)
		if err != nil {
			c.writeStreamError(err)
			return
		}
		c.w.WriteArrayHeader(len(gs))
		for _, g := range gs {
			c.w.WriteMapHeader(6)
			c.w.WriteBulkString("name")
			c.w.WriteBulkString(g.Name)
			c.w.WriteBulkString("consumers")
			c.w.WriteInt(int64(g.Consumers))
			c.w.WriteBulkString("pending")
			c.w.WriteInt(int64(g.Pending))
			c.writeGroupTail(g)
		}
	case "stream":
		c.xinfoStream(args)
	}
}

// writeGroupTail writes a group's last-delivered-id, entries-read and
// lag.
func (c *conn) writeGroupTail(g store.GroupInfo) {
	c.w.WriteBulkString("last-delivered-id")
	c.writeID(g.LastID)
	c.w.WriteBulkString("entries-read")
	if g.EntriesRead == -1 {
		c.w.WriteNull()
	} else {
		c.w.WriteInt(g.EntriesRead)
	}
	c.w.WriteBulkString("lag")
	if g.LagKnown {
		c.w.WriteInt(g.Lag)
	} else {
		c.w.WriteNull()
	}
}

func (c *conn) xinfoStream(args [][]byte) {
	full, count := false, int64(10)
	switch opts := args[3:]; {
	case len(opts) == 0:
	case len(opts) != 1 && len(opts) != 3, !eqFold(opts[0], "FULL"):
		c.subcommandSyntax(args, "XINFO")
		return
	case len(opts) == 3 && !eqFold(opts[1], "COUNT"):
		c.subcommandSyntax(args, "XINFO")
		return
	default:
		full = true
		if len(opts) == 3 {
			n, ok := resp.ParseInt(opts[2])
			if !ok {
				c.w.WriteError(errNotInteger)
				return
			}
			if count = n; count < 0 {
				count = 10
			}
		}
	}
	info, err := c.db.XInfoStream(args[2], full, int(min(count, 1<<31)))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if full {
		c.w.WriteMapHeader(9)
	} else {
		c.w.WriteMapHeader(10)
	}
	c.w.WriteBulkString("length")
	c.w.WriteInt(info.Length)
	c.w.WriteBulkString("radix-tree-keys")
	c.w.WriteInt(int64(info.Nodes))
	c.w.WriteBulkString("radix-tree-nodes")
	c.w.WriteInt(int64(info.Nodes + 1))
	c.w.WriteBulkString("last-generated-id")
	c.writeID(info.LastID)
	c.w.WriteBulkString("max-deleted-entry-id")
	c.writeID(info.MaxDeletedID)
	c.w.WriteBulkString("entries-added")
	c.w.WriteInt(info.EntriesAdded)
	c.w.WriteBulkString("recorded-first-entry-id")
	c.writeID(info.FirstID)
	if !full {
		c.w.WriteBulkString("groups")
		c.w.WriteInt(int64(info.Groups))
		for _, e := range [...]struct {
			name string
			ent  *store.StreamEntry
		}{{"first-entry", info.First}, {"last-entry", info.Last}} {
			c.w.WriteBulkString(e.name)
			if e.ent == nil {
				c.w.WriteNull()
			} else {
				c.writeEntry(*e.ent)
			}
		}
		return
	}
	c.w.WriteBulkString("entries")
	c.writeEntries(info.Entries)
	c.w.WriteBulkString("groups")
	c.w.WriteArrayHeader(len(info.GroupsDetails))
	for _, g := range info.GroupsDetails {
		c.w.WriteMapHeader(7)
		c.w.WriteBulkString("name")
		c.w.WriteBulkString(g.Name)
		c.writeGroupTail(g)
		c.writePEL(g.Pending, g.PEL, true)
		c.w.WriteBulkString("consumers")
		c.w.WriteArrayHeader(len(g.Members))
		for _, m := range g.Members {
			c.w.WriteMapHeader(4)
			c.w.WriteBulkString("name")
			c.w.WriteBulkString(m.Name)
			c.w.WriteBulkString("seen-time")
			c.w.WriteInt(m.Seen)
			c.writePEL(m.Pending, m.PEL, false)
		}
	}
}

// writePEL writes the pel-count and pending fields of a group or a
// consumer in XINFO STREAM FULL: each entry is its ID, its consumer (a
// group's entries only: a consumer's are all its own), its last delivery
// and its delivery count.
func (c *conn) writePEL(count int, pel []store.PendingEntry, withConsumer bool) {
	c.w.WriteBulkString("pel-count")
	c.w.WriteInt(int64(count))
	c.w.WriteBulkString("pending")
	fields := 3
	if withConsumer {
		fields = 4
	}
	c.w.WriteArrayHeader(len(pel))
	for _, p := range pel {
		c.w.WriteArrayHeader(fields)
		c.writeID(p.ID)
		if withConsumer {
			c.w.WriteBulkString(p.Consumer)
		}
		c.w.WriteInt(p.Delivered)
		c.w.WriteInt(p.Count)
	}
}
