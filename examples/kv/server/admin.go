package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// redisVersion is the Redis version whose behaviour this server follows;
// clients read it from INFO and HELLO to decide what they may send.
const redisVersion = "7.0.0"

func cmdPing(c *conn, args [][]byte) {
	if c.pingSubscribed(args) {
		return
	}
	switch len(args) {
	case 1:
		c.w.WriteSimple("PONG")
	case 2:
		c.w.WriteBulk(args[1])
	default:
		c.w.WriteError(wrongArgs("ping"))
	}
}

func cmdEcho(c *conn, args [][]byte) { c.w.WriteBulk(args[1]) }

func cmdSelect(c *conn, args [][]byte) {
	n, ok := resp.ParseInt(args[1])
	switch {
	case !ok:
		c.w.WriteError(errNotInteger)
	case n < 0 || n >= store.NumDBs:
		c.w.WriteError(errDBIndex)
	default:
		c.db = c.h.store.DB(int(n))
		c.st.db.Store(int32(n))
		c.w.WriteOK()
	}
}

func cmdQuit(c *conn, _ [][]byte) {
	c.w.WriteOK()
	c.quit = true
}

// setName validates and sets the connection's name, replying with Redis's
// error if it has blanks or special characters. An empty name clears it.
func (c *conn) setName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			c.w.WriteError("ERR Client names cannot contain spaces, newlines or special characters.")
			return false
		}
	}
	c.h.clients.mu.Lock()
	c.name = string(name)
	c.h.clients.mu.Unlock()
	return true
}

// cmdClient is CLIENT ID, SETNAME, GETNAME, SETINFO (accepted and
// ignored, for newer client libraries), INFO, LIST, KILL, REPLY and
// NO-EVICT (accepted: kv evicts no client for memory).
func cmdClient(c *conn, args [][]byte) {
	sub := args[1]
	switch {
	case eqFold(sub, "ID") && len(args) == 2:
		c.w.WriteInt(c.id)
	case eqFold(sub, "GETNAME") && len(args) == 2:
		if c.name == "" {
			c.w.WriteNull()
		} else {
			c.w.WriteBulkString(c.name)
		}
	case eqFold(sub, "SETNAME") && len(args) == 3:
		if c.setName(args[2]) {
			c.w.WriteOK()
		}
	case eqFold(sub, "SETINFO") && len(args) == 4:
		c.w.WriteOK()
	case eqFold(sub, "REPLY") && len(args) == 3:
		c.clientReply(args[2])
	case eqFold(sub, "NO-EVICT") && len(args) == 3:
		c.clientNoEvict(args[2])
	case eqFold(sub, "INFO") && len(args) == 2:
		c.w.WriteVerbatim("txt", c.clientInfo())
	case eqFold(sub, "LIST") && len(args) == 2:
		c.w.WriteVerbatim("txt", c.clientList())
	case eqFold(sub, "KILL") && len(args) >= 3:
		c.clientKill(args)
	case eqFold(sub, "UNBLOCK") && (len(args) == 3 || len(args) == 4):
		c.clientUnblock(args)
	case eqFold(sub, "HELP") && len(args) == 2:
		c.writeHelp(clientHelp)
	case eqFold(sub, "ID"), eqFold(sub, "GETNAME"), eqFold(sub, "SETNAME"), eqFold(sub, "SETINFO"), eqFold(sub, "INFO"),
		eqFold(sub, "REPLY"), eqFold(sub, "NO-EVICT"):
		c.w.WriteError(wrongArgs("client|" + strings.ToLower(string(sub))))
	default:
		c.w.WriteError(unknownSubcommand(sub, "client"))
	}
}

func (c *conn) clientInfo() string {
	var b strings.Builder
	b.WriteString("id=")
	b.WriteString(strconv.FormatInt(c.id, 10))
	if c.nc != nil {
		b.WriteString(" addr=")
		b.WriteString(c.nc.RemoteAddr().String())
		b.WriteString(" laddr=")
		b.WriteString(c.nc.LocalAddr().String())
	}
	b.WriteString(" name=")
	b.WriteString(c.name)
	b.WriteString(" db=")
	b.WriteString(strconv.Itoa(c.db.Index()))
	b.WriteString(" resp=")
	b.WriteString(strconv.Itoa(c.w.Proto()))
	b.WriteByte('\n')
	return b.String()
}

// configParams is what CONFIG GET answers: enough for redis-benchmark,
// which asks for save and appendonly, and for tools that ask about limits.
func (c *conn) configParams() [][2]string {
	appendonly, fsync := "no", "everysec"
	if c.h.aof != nil {
		appendonly, fsync = "yes", c.h.aof.Fsync().String()
	}
	port := c.h.port()
	return append([][2]string{
		{"appendonly", appendonly},
		{"appendfsync", fsync},
		{"save", ""},
		{"databases", strconv.Itoa(store.NumDBs)},
		{"maxclients", strconv.Itoa(c.h.cfg.MaxConns)},
		{"port", port},
		{"proto-max-bulk-len", strconv.Itoa(c.r.MaxBulkLen())},
		{"client-query-buffer-limit", strconv.FormatInt(c.r.MaxQueryBuffer(), 10)},
		{"timeout", "0"},
		{"maxmemory", "0"},
		{"maxmemory-policy", "noeviction"},
		{"hz", "10"},
		{"notify-keyspace-events", c.h.notify.classes().String()},
	}, c.h.settable.params()...)
}

// cmdConfig is CONFIG GET pattern [pattern ...]; other subcommands are
// refused, as the configuration is fixed at start.
func cmdConfig(c *conn, args [][]byte) {
	sub := args[1]
	switch {
	case eqFold(sub, "GET") && len(args) >= 3:
		pats := make([]string, len(args)-2)
		for i, pat := range args[2:] {
			pats[i] = strings.ToLower(string(pat))
		}
		var out [][2]string
		for _, p := range c.configParams() {
			for _, pat := range pats {
				if store.Match(pat, p[0]) {
					out = append(out, p)
					break
				}
			}
		}
		c.w.WriteMapHeader(len(out))
		for _, p := range out {
			c.w.WriteBulkString(p[0])
			c.w.WriteBulkString(p[1])
		}
	case eqFold(sub, "GET"):
		c.w.WriteError(wrongArgs("config|get"))
	case eqFold(sub, "RESETSTAT") && len(args) == 2:
		c.addCalls() // before the reset: the calls it follows are reset too
		c.h.resetStats()
		c.w.WriteOK()
	case eqFold(sub, "HELP") && len(args) == 2:
		c.writeHelp(configHelp)
	case eqFold(sub, "SET"):
		c.configSet(args)
	case eqFold(sub, "REWRITE"):
		c.w.WriteError("ERR CONFIG REWRITE is not supported: the kv example is configured by its flags")
	default:
		c.w.WriteError(unknownSubcommand(sub, "config"))
	}
}

// cmdCommand is COMMAND, COMMAND COUNT, COMMAND LIST, COMMAND INFO and
// COMMAND DOCS, in Redis 7's shapes; redis-cli asks for DOCS to build its
// interactive help.
func cmdCommand(c *conn, args [][]byte) {
	visible := visibleList
	if len(args) == 1 || len(args) == 2 && eqFold(args[1], "INFO") {
		c.w.WriteArrayHeader(len(visible))
		for _, cmd := range visible {
			c.writeCommandInfo(cmd)
		}
		return
	}
	sub := args[1]
	switch {
	case eqFold(sub, "COUNT") && len(args) == 2:
		c.w.WriteInt(int64(len(visible)))
	case eqFold(sub, "HELP") && len(args) == 2:
		c.writeHelp(commandHelp)
	case eqFold(sub, "LIST") && len(args) == 2:
		c.w.WriteArrayHeader(len(visible))
		for _, cmd := range visible {
			c.w.WriteBulkString(cmd.name)
		}
	case eqFold(sub, "INFO"):
		c.w.WriteArrayHeader(len(args) - 2)
		for _, name := range args[2:] {
			if cmd := c.lookup(name); cmd != nil {
				c.writeCommandInfo(cmd)
			} else {
				c.w.WriteNullArray()
			}
		}
	case eqFold(sub, "DOCS"):
		var docs []*command
		if len(args) == 2 {
			docs = visible
		} else {
			for _, name := range args[2:] {
				if cmd := c.lookup(name); cmd != nil {
					docs = append(docs, cmd)
				}
			}
		}
		c.w.WriteArrayHeader(2 * len(docs))
		for _, cmd := range docs {
			c.w.WriteBulkString(cmd.name)
			c.w.WriteArrayHeader(6)
			c.w.WriteBulkString("summary")
			c.w.WriteBulkString(cmd.summary)
			c.w.WriteBulkString("since")
			c.w.WriteBulkString("1.0.0")
			c.w.WriteBulkString("group")
			c.w.WriteBulkString(cmd.group)
		}
	case eqFold(sub, "COUNT"), eqFold(sub, "LIST"):
		c.w.WriteError(wrongArgs("command|" + strings.ToLower(string(sub))))
	default:
		c.w.WriteError(unknownSubcommand(sub, "command"))
	}
}

// writeCommandInfo writes Redis 7's ten-element command description.
func (c *conn) writeCommandInfo(cmd *command) {
	c.w.WriteArrayHeader(10)
	c.w.WriteBulkString(cmd.name)
	c.w.WriteInt(int64(cmd.arity))
	var fl []string
	if cmd.flags&flagWrite != 0 {
		fl = append(fl, "write", "denyoom")
	}
	if cmd.flags&flagReadonly != 0 {
		fl = append(fl, "readonly")
	}
	if cmd.flags&flagAdmin != 0 {
		fl = append(fl, "admin", "noscript")
	}
	if cmd.flags&flagFast != 0 {
		fl = append(fl, "fast")
	}
	if cmd.flags&flagBlocking != 0 {
		fl = append(fl, "blocking")
	}
	c.w.WriteArrayHeader(len(fl))
	for _, f := range fl {
		c.w.WriteSimple(f)
	}
	c.w.WriteInt(int64(cmd.first))
	c.w.WriteInt(int64(cmd.last))
	c.w.WriteInt(int64(cmd.step))
	c.w.WriteArrayHeader(1)
	c.w.WriteSimple("@" + cmd.group)
	c.w.WriteArrayHeader(0) // tips
	c.w.WriteArrayHeader(0) // key specs
	c.w.WriteArrayHeader(0) // subcommands
}

// cmdDebug is the hidden DEBUG command, enabled only by Config.debug (in
// tests): DEBUG PANIC panics in the middle of a command, to show that it
// costs only this connection; DEBUG SLEEP seconds holds the command.
func cmdDebug(c *conn, args [][]byte) {
	switch {
	case eqFold(args[1], "PANIC"):
		panic("DEBUG PANIC: a bug in one command's code")
	case eqFold(args[1], "PUBSUB-CRASH"):
		debugPubSubCrash(c)
	case eqFold(args[1], "SLEEP") && len(args) == 3:
		f, err := strconv.ParseFloat(string(args[2]), 64)
		if err != nil {
			c.w.WriteError("ERR value is not a valid float")
			return
		}
		time.Sleep(time.Duration(f * float64(time.Second)))
		c.w.WriteOK()
	default:
		c.w.WriteError(unknownSubcommand(args[1], "debug"))
	}
}
