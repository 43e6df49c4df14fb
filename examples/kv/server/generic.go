package server

import (
	"bytes"
	"strconv"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

func cmdType(c *conn, args [][]byte) {
	k := c.db.Type(args[1])
	c.lookedUp(args[1], k != store.KindNone, nil)
	c.w.WriteSimple(k.String())
}

func cmdRename(c *conn, args [][]byte) {
	if err := c.db.Rename(args[1], args[2], c.recordArgs(args)); err != nil {
		c.writeStoreError(err)
		return
	}
	c.notifyRenamed(args[1], args[2])
	c.w.WriteOK()
}

// notifyRenamed queues a RENAME's events, after the "new" of dst: none for
// a key renamed to itself, which changes nothing, as in Redis.
func (c *conn) notifyRenamed(src, dst []byte) {
	if !bytes.Equal(src, dst) {
		c.notify(evGeneric, "rename_from", src)
		c.notify(evGeneric, "rename_to", dst)
	}
}

// cmdSetNX is SETNX key value, journalled as the SET it did.
func cmdSetNX(c *conn, args [][]byte) {
	_, _, set, err := c.db.Set(args[1], args[2], store.SetOptions{Mode: store.SetIfAbsent},
		c.record(wordSet, args[1], args[2]))
	if set && err == nil {
		c.notify(evString, "set", args[1])
	}
	c.writeFlag(set, err)
}

// cmdSetEX is SETEX key seconds value, journalled as SET ... PXAT with the
// absolute time, as SET EX is.
func cmdSetEX(c *conn, args [][]byte) { c.setEX(args, "setex", 1000) }

// setEX is SETEX and PSETEX: SET key value with an expiry of args[2] units
// of unit milliseconds, journalled as SET ... PXAT.
func (c *conn) setEX(args [][]byte, name string, unit int64) {
	at, ok := c.expiryMillis(args[2], name, unit, false, true)
	if !ok {
		return
	}
	c.num = strconv.AppendInt(c.num[:0], at, 10)
	_, _, _, err := c.db.Set(args[1], args[3], store.SetOptions{ExpireAt: at},
		c.record(wordSet, args[1], args[3], wordPXAT, c.num))
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notify(evString, "set", args[1])
	c.notify(evGeneric, "expire", args[1])
	c.w.WriteOK()
}

// cmdGetDel is GETDEL key, journalled as DEL.
func cmdGetDel(c *conn, args [][]byte) {
	v, ok, err := c.db.GetDel(args[1], c.record(wordDel, args[1]))
	if ok && err == nil {
		c.notify(evGeneric, "del", args[1])
	}
	c.writeLookup(args[1], v, ok, err)
}

func cmdTime(c *conn, _ [][]byte) {
	now := time.Now()
	c.w.WriteArrayHeader(2)
	c.num = strconv.AppendInt(c.num[:0], now.Unix(), 10)
	c.w.WriteBulk(c.num)
	c.num = strconv.AppendInt(c.num[:0], int64(now.Nanosecond()/1000), 10)
	c.w.WriteBulk(c.num)
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value, estimated from its",
	"    size (kv counts every element; SAMPLES is accepted and ignored).",
	"HELP",
	"    Prints this help.",
}

// cmdMemory is MEMORY USAGE key [SAMPLES count] and MEMORY HELP.
func cmdMemory(c *conn, args [][]byte) {
	sub := args[1]
	switch {
	case eqFold(sub, "USAGE") && len(args) >= 3:
		for i := 3; i < len(args); i += 2 {
			if !eqFold(args[i], "SAMPLES") || i+1 >= len(args) {
				c.w.WriteError(errSyntax)
				return
			}
			if _, ok := resp.ParseInt(args[i+1]); !ok {
				c.w.WriteError(errNotInteger)
				return
			}
		}
		n, ok := c.db.MemoryUsage(args[2])
		if !ok {
			c.w.WriteNull()
			return
		}
		c.w.WriteInt(n)
	case eqFold(sub, "HELP") && len(args) == 2:
		c.writeHelp(memoryHelp)
	case eqFold(sub, "USAGE"):
		c.w.WriteError(wrongArgs("memory|usage"))
	default:
		c.w.WriteError(unknownSubcommand(sub, "memory"))
	}
}

// writeHelp writes a HELP subcommand's reply: its lines as simple strings.
func (c *conn) writeHelp(lines []string) {
	c.w.WriteArrayHeader(len(lines))
	for _, l := range lines {
		c.w.WriteSimple(l)
	}
}
