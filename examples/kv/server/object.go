package server

import "strings"

// cmdObject is OBJECT ENCODING|REFCOUNT|FREQ|HELP key. ENCODING gives
// the name of the encoding Redis 7.0 would hold the value in, decided by
// each write under the thresholds CONFIG SET held then (see
// store.Store.Encoding); REFCOUNT is 1, as kv
// shares no value between keys; FREQ is refused as Redis refuses it under
// the only policy kv has (no eviction). IDLETIME is not offered: kv does
// not track when a key was last read.
func cmdObject(c *conn, args [][]byte) {
	sub := args[1]
	switch {
	case eqFold(sub, "HELP") && len(args) == 2:
		c.writeHelp(objectHelp)
		return
	case !eqFold(sub, "ENCODING") && !eqFold(sub, "REFCOUNT") && !eqFold(sub, "FREQ"):
		c.w.WriteError(unknownSubcommand(sub, "object"))
		return
	case len(args) != 3:
		c.w.WriteError(wrongArgs("object|" + strings.ToLower(string(sub))))
		return
	}
	enc, ok := c.db.Encoding(args[2])
	// Counted as a read, but with no "keymiss": Redis's OBJECT looks the
	// key up with LOOKUP_NONOTIFY.
	c.countLookup(ok, nil)
	switch {
	case !ok:
		c.w.WriteNull()
	case eqFold(sub, "ENCODING"):
		c.w.WriteBulkString(enc)
	case eqFold(sub, "REFCOUNT"):
		c.w.WriteInt(1)
	default:
		c.w.WriteError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	}
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Print this help.",
}
