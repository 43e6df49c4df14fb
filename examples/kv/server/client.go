package server

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
)

// clients is the Handler's registry of open connections, for CLIENT LIST
// and CLIENT KILL. Its mutex also guards every conn's name, which CLIENT
// LIST reads from other goroutines.
type clients struct {
	mu     sync.Mutex
	byID   map[int64]*conn
	killed atomic.Int64 // connections closed by CLIENT KILL
}

// clientState is what CLIENT LIST shows of a connection besides its name;
// the fields other goroutines read are atomic.
type clientState struct {
	created time.Time
	lastAt  atomic.Int64            // unix nanoseconds of the last input
	lastCmd atomic.Pointer[command] // the last command run
	killed  atomic.Bool             // closed by CLIENT KILL: its read error is the normal end
	db      atomic.Int32            // the database selected, for CLIENT LIST from other connections
	proto   atomic.Int32            // the protocol HELLO chose, 2 or 3, for CLIENT LIST

	// Read and written by the connection's own goroutine only.
	errors    int64     // error replies sent, to tell a failed call (cmdstats.go)
	pend      *cmdStat  // the counter of the calls not yet added (cmdstats.go)
	pendCalls int64     // those calls
	sample    uint64    // calls run, to time one in timeEvery
	reply     replyMode // CLIENT REPLY
}

func (r *clients) add(c *conn) {
	c.st.created = time.Now()
	c.st.lastAt.Store(c.st.created.UnixNano())
	c.st.lastCmd.Store(nil)
	c.st.killed.Store(false)
	c.st.db.Store(0)
	c.st.proto.Store(2)
	c.st.reply = replyOn
	c.st.pend, c.st.pendCalls = nil, 0
	r.mu.Lock()
	if r.byID == nil {
		r.byID = make(map[int64]*conn)
	}
	r.byID[c.id] = c
	r.mu.Unlock()
}

func (r *clients) remove(c *conn) {
	r.mu.Lock()
	delete(r.byID, c.id)
	c.name = ""
	r.mu.Unlock()
}

// kill closes c's connection; its ServeConn then returns, and the
// listener ends the connection as any other. Closing a net.Conn is safe
// from any goroutine.
func (r *clients) kill(c *conn) {
	if c.st.killed.CompareAndSwap(false, true) {
		r.killed.Add(1)
		_ = c.nc.Close()
		c.h.blocking.kill(c) // a blocked client may not be watching its socket
	}
}

// line is c's CLIENT LIST line, in Redis's format and order for the fields
// kv has. r.mu must be held.
func (c *conn) line(now time.Time) string {
	var b strings.Builder
	b.WriteString("id=")
	b.WriteString(strconv.FormatInt(c.id, 10))
	b.WriteString(" addr=")
	b.WriteString(c.nc.RemoteAddr().String())
	b.WriteString(" laddr=")
	b.WriteString(c.nc.LocalAddr().String())
	b.WriteString(" fd=-1 name=")
	b.WriteString(c.name)
	b.WriteString(" age=")
	b.WriteString(strconv.FormatInt(int64(now.Sub(c.st.created)/time.Second), 10))
	b.WriteString(" idle=")
	b.WriteString(strconv.FormatInt((now.UnixNano()-c.st.lastAt.Load())/int64(time.Second), 10))
	b.WriteString(" flags=")
	b.WriteString(c.flagsWord())
	b.WriteString(" db=")
	b.WriteString(strconv.Itoa(int(c.st.db.Load())))
	b.WriteString(" sub=0 psub=0 multi=-1 cmd=")
	if cmd := c.st.lastCmd.Load(); cmd != nil {
		b.WriteString(cmd.name)
	} else {
		b.WriteString("NULL")
	}
	b.WriteString(" user=default resp=")
	b.WriteString(strconv.Itoa(int(c.st.proto.Load())))
	b.WriteByte('\n')
	return b.String()
}

func (c *conn) clientList() string {
	r := &c.h.clients
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for id := int64(1); id <= c.h.nextID.Load(); id++ {
		if o := r.byID[id]; o != nil {
			b.WriteString(o.line(now))
		}
	}
	return b.String()
}

// clientKill is CLIENT KILL ip:port (the old form: OK or an error) and
// CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] (the
// number killed). Killing itself, a connection closes after the reply.
func (c *conn) clientKill(args [][]byte) {
	old := len(args) == 3
	var id int64
	var addr, laddr string
	skipMe := !old
	if old {
		addr = string(args[2])
	} else {
		if len(args)%2 != 0 {
			c.w.WriteError(errSyntax)
			return
		}
		for i := 2; i < len(args); i += 2 {
			opt, val := args[i], args[i+1]
			switch {
			case eqFold(opt, "ID"):
				n, ok := resp.ParseInt(val)
				if !ok || n <= 0 {
					c.w.WriteError("ERR client-id should be greater than 0")
					return
				}
				id = n
			case eqFold(opt, "ADDR"):
				addr = string(val)
			case eqFold(opt, "LADDR"):
				laddr = string(val)
			case eqFold(opt, "SKIPME") && (eqFold(val, "YES") || eqFold(val, "NO")):
				skipMe = eqFold(val, "YES")
			default:
				c.w.WriteError(errSyntax)
				return
			}
		}
	}
	r := &c.h.clients
	var victims []*conn
	r.mu.Lock()
	for _, o := range r.byID {
		if id != 0 && o.id != id || addr != "" && !sameAddr(o.nc.RemoteAddr(), addr) ||
			laddr != "" && !sameAddr(o.nc.LocalAddr(), laddr) || skipMe && o == c {
			continue
		}
		victims = append(victims, o)
		if o == c {
			c.quit = true // closes after this reply, as Redis does
			r.killed.Add(1)
		} else {
			// Under the lock: once released, o may serve another client.
			r.kill(o)
		}
	}
	r.mu.Unlock()
	switch {
	case old && len(victims) == 0:
		c.w.WriteError("ERR No such client")
	case old:
		c.w.WriteOK()
	default:
		c.w.WriteInt(int64(len(victims)))
	}
}

// replyMode is CLIENT REPLY's setting.
type replyMode uint8

const (
	replyOn   replyMode = iota // every reply is sent
	replyOff                   // none is
	replySkip                  // the next command's is not
)

// clientReply is CLIENT REPLY ON|OFF|SKIP. Only ON answers: OFF and SKIP
// are silent themselves, as in Redis. What pub/sub pushes is not a reply
// and still comes.
func (c *conn) clientReply(mode []byte) {
	switch {
	case eqFold(mode, "ON"):
		c.st.reply = replyOn
		c.w.WriteOK()
	case eqFold(mode, "OFF"):
		c.st.reply = replyOff
	case eqFold(mode, "SKIP"):
		if c.st.reply != replyOff {
			c.st.reply = replySkip
		}
	default:
		c.w.WriteError(errSyntax)
	}
}

// clientNoEvict is CLIENT NO-EVICT ON|OFF, accepted: kv evicts no client
// for memory, so every client is as good as NO-EVICT ON.
func (c *conn) clientNoEvict(v []byte) {
	if eqFold(v, "ON") || eqFold(v, "OFF") {
		c.w.WriteOK()
	} else {
		c.w.WriteError(errSyntax)
	}
}

// unmute ends a command that ran while CLIENT REPLY was was (OFF or
// SKIP), with the Writer marked before it: what it wrote is dropped,
// unless it is the CLIENT REPLY ON that ends the silence. SKIP holds back
// one command's reply; the SKIP itself counts as none.
func (c *conn) unmute(was replyMode) {
	if c.st.reply == replyOn {
		return // CLIENT REPLY ON: its +OK goes out
	}
	c.w.DiscardSinceMark()
	if was == replySkip && c.st.reply == replySkip {
		c.st.reply = replyOn
	}
}

func sameAddr(a net.Addr, s string) bool { return a != nil && a.String() == s }

var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * ID <client-id>",
	"      Kill connections by client id.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST",
	"    Return information about client connections.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"SETINFO <option> <value>",
	"    Accepted and ignored, for client libraries that send it.",
	"NO-EVICT (ON|OFF)",
	"    Accepted: kv evicts no client for memory.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"HELP",
	"    Prints this help.",
}

var commandHelp = []string{
	"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"HELP",
	"    Prints this help.",
}

var configHelp = []string{
	"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"SET, REWRITE",
	"    Refused: kv is configured by its flags.",
	"HELP",
	"    Prints this help.",
}

// resetStats is CONFIG RESETSTAT: it zeroes the counters INFO reports
// (commands, connections received, hits, misses, expired keys, killed
// clients, rejected connections) and restarts the memory peak from now.
func (h *Handler) resetStats() {
	h.cstats.reset()
	h.commands.Store(0)
	h.conns.Store(0)
	h.hits.Store(0)
	h.misses.Store(0)
	h.clients.killed.Store(0)
	h.memPeak.Store(0)
	h.store.ResetStats()
	_, rejected := h.listenerTotals()
	h.rejectedBase.Store(rejected)
}
