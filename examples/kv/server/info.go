package server

import (
	"crypto/sha1"
	"encoding/hex"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/seamgo/seam/examples/kv/store"
)

// infoSections are INFO's sections in order; "default" gives those not
// in allOnly, "all" and "everything" give every one, as in Redis.
var infoSections = []string{"server", "clients", "memory", "stats", "persistence", "replication", "cpu",
	"seam", "commandstats", "errorstats", "keyspace"}

// allOnly are the sections that only "all" and "everything", or their
// own name, ask for: long, and read by tools that ask for them.
var allOnly = map[string]bool{"commandstats": true}

// cmdInfo is INFO [section ...], in Redis's format: "# Section" headers,
// "field:value" lines, CRLF line ends. The seam section is the listener's
// Stats, every field under its Stats.Fields name ("listener_rejected_per_ip").
func cmdInfo(c *conn, args [][]byte) {
	c.addCalls() // this connection's calls so far are in commandstats
	want := map[string]bool{}
	for _, a := range args[1:] {
		s := strings.ToLower(string(a))
		if s == "all" || s == "default" || s == "everything" {
			for _, name := range infoSections {
				want[name] = want[name] || s != "default" || !allOnly[name]
			}
		} else {
			want[s] = true
		}
	}
	if len(want) == 0 {
		for _, name := range infoSections {
			want[name] = !allOnly[name]
		}
	}
	var b infoBuilder
	for _, name := range infoSections {
		if want[name] {
			c.h.info(&b, name)
		}
	}
	c.w.WriteVerbatim("txt", b.String())
}

type infoBuilder struct{ strings.Builder }

func (b *infoBuilder) section(name string) {
	if b.Len() > 0 {
		b.WriteString("\r\n")
	}
	b.WriteString("# ")
	b.WriteString(name)
	b.WriteString("\r\n")
}

func (b *infoBuilder) field(name, value string) {
	b.WriteString(name)
	b.WriteByte(':')
	b.WriteString(value)
	b.WriteString("\r\n")
}

func (b *infoBuilder) int(name string, v int64) { b.field(name, strconv.FormatInt(v, 10)) }

func (b *infoBuilder) uint(name string, v uint64) { b.field(name, strconv.FormatUint(v, 10)) }

func (h *Handler) info(b *infoBuilder, section string) {
	switch section {
	case "server":
		b.section("Server")
		b.field("redis_version", redisVersion)
		b.field("redis_mode", "standalone")
		b.field("server_name", "seam-kv")
		b.field("os", runtime.GOOS)
		b.field("arch_bits", strconv.Itoa(strconv.IntSize))
		b.field("go_version", runtime.Version())
		b.int("process_id", int64(h.pid))
		b.field("tcp_port", h.port())
		up := time.Since(h.started)
		b.int("uptime_in_seconds", int64(up/time.Second))
		b.int("uptime_in_days", int64(up/(24*time.Hour)))
		if exe, err := os.Executable(); err == nil {
			b.field("executable", exe)
		}
	case "clients":
		b.section("Clients")
		// Clients born asleep that have yet to send a command: kv has
		// no state for them, but redis-server counts them.
		unstarted, _ := h.listenerTotals()
		b.int("connected_clients", h.active.Load()+unstarted)
		b.int("maxclients", int64(h.cfg.MaxConns))
		b.int("blocked_clients", h.blocking.count.Load())
		b.int("tracking_clients", 0)
		b.int("clients_in_timeout_table", 0)
	case "memory":
		h.memInfo(b)
	case "stats":
		b.section("Stats")
		b.int("total_connections_received", h.conns.Load())
		b.int("total_commands_processed", h.commands.Load())
		b.int("expired_keys", h.store.Expired())
		b.int("keyspace_hits", h.hits.Load())
		b.int("keyspace_misses", h.misses.Load())
		_, rejected := h.listenerTotals()
		b.uint("rejected_connections", rejected-h.rejectedBase.Load())
		b.int("killed_clients", h.clients.killed.Load())
		// Neither is zeroed by CONFIG RESETSTAT: /metrics serves them
		// as counters, which only grow.
		b.int("acl_access_denied_auth", h.authFailures.Load())
		b.int("protected_mode_denied", h.denied.Load())
		h.pubsubInfo(b)
		b.int("total_error_replies", h.cstats.errsAll.Load())
	case "replication":
		h.replicationInfo(b)
	case "cpu":
		cpuInfo(b)
	case "commandstats":
		h.commandStatsInfo(b)
	case "errorstats":
		h.errorStatsInfo(b)
	case "persistence":
		b.section("Persistence")
		h.loadingInfo(b) // loading.go
		if h.aof == nil {
			b.int("aof_enabled", 0)
			b.int("aof_rewrite_in_progress", 0)
			b.int("aof_rewrite_scheduled", 0)
			b.int("aof_last_rewrite_time_sec", -1)
			b.int("aof_current_rewrite_time_sec", -1)
			b.field("aof_last_bgrewrite_status", "ok")
			return
		}
		st := h.aof.Status()
		b.int("aof_enabled", 1)
		b.int("aof_rewrite_in_progress", boolInt(st.RewriteInProgress))
		b.int("aof_rewrite_scheduled", boolInt(h.cfg.Rewriter != nil && h.cfg.Rewriter.Scheduled()))
		b.int("aof_last_rewrite_time_sec", st.LastRewriteSecs)
		b.int("aof_current_rewrite_time_sec", st.RewriteSecs)
		b.field("aof_last_bgrewrite_status", okErr(!st.LastRewriteFailed))
		b.int("aof_rewrites", st.Rewrites)
		b.field("aof_filename", st.Path)
		b.field("aof_fsync", st.Fsync.String())
		status := "ok"
		if st.Failing {
			status = "err"
		}
		b.field("aof_last_write_status", status)
		b.field("aof_last_error", st.LastError)
		b.uint("aof_write_failures", st.Failures)
		b.int("aof_current_size", st.Size)
		b.int("aof_base_size", st.BaseSize)
		b.int("aof_buffer_length", st.Buffered)
		b.int("aof_pending_fsync_bytes", st.Unsynced)
		b.int("aof_closed", boolInt(st.Closed))
	case "seam":
		if h.cfg.Listener == nil {
			return
		}
		st := h.cfg.Listener.Stats()
		b.section("Seam")
		b.field("listener", h.cfg.Listener.String())
		for _, f := range st.Fields() {
			b.int("listener_"+f.Name, f.Value)
		}
	case "keyspace":
		b.section("Keyspace")
		for i := range store.NumDBs {
			db := h.store.DB(i)
			if n := db.Len(); n > 0 {
				b.field("db"+strconv.Itoa(i), "keys="+strconv.Itoa(n)+",expires="+strconv.Itoa(db.Volatile())+",avg_ttl=0")
			}
		}
	}
}

func (h *Handler) port() string {
	if h.cfg.Listener == nil {
		return "0"
	}
	a := h.cfg.Listener.BoundAddr()
	if a == nil {
		return "0"
	}
	_, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "0"
	}
	return p
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// cmdBgRewriteAOF is BGREWRITEAOF: it schedules a rewrite of the
// append-only file and answers at once, with Redis 7's replies.
func cmdBgRewriteAOF(c *conn, _ [][]byte) {
	rw := c.h.cfg.Rewriter
	if rw == nil {
		c.w.WriteError("ERR Append only file is disabled (kv was started with -aof \"\")")
		return
	}
	if err := rw.Request(); err != nil {
		c.w.WriteError("ERR Background append only file rewriting already in progress")
		return
	}
	c.w.WriteSimple("Background append only file rewriting started")
}

// replicationInfo is INFO's replication section: kv is a master that has
// no replica and keeps no backlog, which clients and Redis's suite read
// from these fields.
func (h *Handler) replicationInfo(b *infoBuilder) {
	b.section("Replication")
	b.field("role", "master")
	b.int("connected_slaves", 0)
	b.field("master_failover_state", "no-failover")
	// A replication ID names a history of the dataset: this process's,
	// as Redis draws a new one at each start.
	id := sha1.Sum([]byte(strconv.Itoa(h.pid) + "-" + h.started.Format(time.RFC3339Nano)))
	b.field("master_replid", hex.EncodeToString(id[:]))
	b.field("master_replid2", strings.Repeat("0", 40))
	b.int("master_repl_offset", 0)
	b.int("second_repl_offset", -1)
	b.int("repl_backlog_active", 0)
	b.int("repl_backlog_size", 1<<20)
	b.int("repl_backlog_first_byte_offset", 0)
	b.int("repl_backlog_histlen", 0)
}
