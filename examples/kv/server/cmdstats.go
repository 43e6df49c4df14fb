package server

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// commandStats are INFO's commandstats and errorstats, Redis's per-command
// counters and error replies by code. The per-command counters are atomic
// adds to a slice indexed by the command's slot, so a command costs no
// lock; errors are rare enough for a mutex.
//
// Two costs are kept off the path of every command, where they measured
// half again the time of a pipelined GET on this project's machines: a
// connection adds its calls to the shared counter once per run of the
// same command and at each flush of its replies, rather than per call
// (cross-core adds to one counter); and one call in timeEvery is timed,
// and the first of each command, with usec reported as their mean times
// the calls (a clock read costs about as much as a GET).
type commandStats struct {
	byCmd []cmdStat           // by command.slot-1
	isSub []bool              // by command.slot-1: counted per subcommand (containers)
	subs  map[string]*cmdStat // "config|get": a container's subcommands; read-only once made

	errMu   sync.Mutex
	errs    map[string]int64 // error replies by code ("ERR", "WRONGTYPE")
	errsAll atomic.Int64     // every error reply, INFO's total_error_replies
}

// cmdStat is one command's counters, as Redis's cmdstat_ line has them.
type cmdStat struct {
	calls    atomic.Int64 // runs, successful or not
	timed    atomic.Int64 // the runs whose time was measured
	nanos    atomic.Int64 // their time
	rejected atomic.Int64 // refused before running: arity, auth, state
	failed   atomic.Int64 // ran and replied with an error
}

// timeEvery is how often a connection times a call: one in 16.
const timeEvery = 16

// usec estimates the microseconds spent in all the calls from the timed
// ones.
func (st *cmdStat) usec() int64 {
	calls, timed := st.calls.Load(), st.timed.Load()
	if timed == 0 {
		return 0
	}
	return int64(float64(st.nanos.Load()) / float64(timed) * float64(calls) / 1e3)
}

// containers are the commands Redis counts per subcommand
// (cmdstat_config|get), with the subcommands kv has. Another name is not
// counted, as Redis refuses it before it runs: a client cannot make the
// counters grow.
var containers = map[string][]string{
	"client":   {"id", "info", "list", "kill", "getname", "setname", "setinfo", "reply", "no-evict", "unblock", "help"},
	"config":   {"get", "set", "resetstat", "rewrite", "help"},
	"command":  {"count", "list", "info", "docs", "getkeys", "help"},
	"object":   {"encoding", "refcount", "idletime", "freq", "help"},
	"pubsub":   {"channels", "numsub", "numpat", "help"},
	"memory":   {"usage", "stats", "doctor", "malloc-stats", "purge", "help"},
	"function": {"flush", "list", "help"},
}

// init sizes the counters for the command table.
func (s *commandStats) init() {
	s.byCmd = make([]cmdStat, len(commandList))
	s.isSub = make([]bool, len(commandList))
	for i, cmd := range commandList {
		_, s.isSub[i] = containers[cmd.name]
	}
	s.subs = map[string]*cmdStat{}
	for name, subs := range containers {
		for _, sub := range subs {
			s.subs[name+"|"+sub] = new(cmdStat)
		}
	}
}

// stat returns the counters of cmd run with args, or nil for a command
// outside the table or an unknown subcommand.
func (s *commandStats) stat(cmd *command, args [][]byte) *cmdStat {
	if cmd.slot <= 0 || cmd.slot > len(s.byCmd) {
		return nil
	}
	if s.isSub[cmd.slot-1] && len(args) > 1 { // a slice, not the map: this is every command's path
		return s.subs[cmd.name+"|"+strings.ToLower(string(args[1]))]
	}
	return &s.byCmd[cmd.slot-1]
}

// countError is the connection's Writer's error hook: the connection
// counts its errors, for failed_calls, and the Handler by code.
func (c *conn) countError(msg string) {
	c.st.errors++
	c.h.cstats.countError(msg)
}

// countError counts an error reply by its code, its first word.
func (s *commandStats) countError(msg string) {
	code, _, _ := strings.Cut(msg, " ")
	if len(code) > 64 {
		code = code[:64] // an error of a client's making is not a code to keep
	}
	s.errsAll.Add(1)
	s.errMu.Lock()
	if s.errs == nil {
		s.errs = make(map[string]int64)
	}
	s.errs[code]++
	s.errMu.Unlock()
}

// reset is CONFIG RESETSTAT's part.
func (s *commandStats) reset() {
	for i := range s.byCmd {
		s.byCmd[i].reset()
	}
	for _, st := range s.subs {
		st.reset()
	}
	s.errMu.Lock()
	s.errs = nil
	s.errMu.Unlock()
	s.errsAll.Store(0)
}

func (st *cmdStat) reset() {
	st.calls.Store(0)
	st.timed.Store(0)
	st.nanos.Store(0)
	st.rejected.Store(0)
	st.failed.Store(0)
}

// run runs cmd, counting the call, its time and whether it replied with
// an error.
func (c *conn) run(cmd *command, args [][]byte) {
	st := c.h.cstats.stat(cmd, args)
	if st == nil {
		cmd.run(c, args)
		return
	}
	errs := c.st.errors
	c.st.sample++
	if c.st.sample%timeEvery == 0 || st.timed.Load() == 0 {
		start := time.Now()
		cmd.run(c, args)
		st.nanos.Add(int64(time.Since(start)))
		st.timed.Add(1)
	} else {
		cmd.run(c, args)
	}
	// Counted once it has run, as Redis does: INFO does not see itself.
	if c.st.pend != st {
		c.addCalls()
		c.st.pend = st
	}
	c.st.pendCalls++
	if c.st.errors != errs {
		st.failed.Add(1)
	}
}

// addCalls adds the calls the connection counted to its last command's
// counter: at a change of command, and when its replies are flushed, so
// that a client that has its replies sees its calls in INFO.
func (c *conn) addCalls() {
	if c.st.pendCalls != 0 {
		c.st.pend.calls.Add(c.st.pendCalls)
		c.st.pendCalls = 0
	}
}

// rejected counts cmd as refused before it ran.
func (c *conn) rejected(cmd *command, args [][]byte) {
	if st := c.h.cstats.stat(cmd, args); st != nil {
		st.rejected.Add(1)
	}
}

// commandStatsInfo writes INFO's commandstats section: a line per command
// that was called or rejected since the start or CONFIG RESETSTAT.
func (h *Handler) commandStatsInfo(b *infoBuilder) {
	b.section("Commandstats")
	for _, cmd := range commandList {
		if cmd.slot <= 0 || cmd.slot > len(h.cstats.byCmd) {
			continue
		}
		b.cmdStat(cmd.name, &h.cstats.byCmd[cmd.slot-1])
		for _, sub := range containers[cmd.name] {
			name := cmd.name + "|" + sub
			b.cmdStat(name, h.cstats.subs[name])
		}
	}
}

// cmdStat writes name's line, if it was called or rejected.
func (b *infoBuilder) cmdStat(name string, st *cmdStat) {
	calls, rejected, failed := st.calls.Load(), st.rejected.Load(), st.failed.Load()
	if calls == 0 && rejected == 0 && failed == 0 {
		return
	}
	usec := st.usec()
	perCall := 0.0
	if calls > 0 {
		perCall = float64(usec) / float64(calls)
	}
	b.field("cmdstat_"+name, "calls="+strconv.FormatInt(calls, 10)+
		",usec="+strconv.FormatInt(usec, 10)+
		",usec_per_call="+strconv.FormatFloat(perCall, 'f', 2, 64)+
		",rejected_calls="+strconv.FormatInt(rejected, 10)+
		",failed_calls="+strconv.FormatInt(failed, 10))
}

// errorStatsInfo writes INFO's errorstats section: a line per error code.
func (h *Handler) errorStatsInfo(b *infoBuilder) {
	b.section("Errorstats")
	h.cstats.errMu.Lock()
	codes := make([]string, 0, len(h.cstats.errs))
	for code := range h.cstats.errs {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	counts := make([]int64, len(codes))
	for i, code := range codes {
		counts[i] = h.cstats.errs[code]
	}
	h.cstats.errMu.Unlock()
	for i, code := range codes {
		b.field("errorstat_"+code, "count="+strconv.FormatInt(counts[i], 10))
	}
}
