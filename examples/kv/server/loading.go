package server

import (
	"bytes"
	"strconv"
	"time"
)

// loadingReply is redis-server's answer to a command that needs the
// keyspace while it loads its dataset (shared.loadingerr in Redis 7.0's
// server.c).
const loadingReply = "LOADING Redis is loading the dataset in memory"

// allowedWhileLoading are the commands Redis 7.0 flags CMD_LOADING: they
// run while the dataset loads, as they need no key. Every other command,
// PING included, is answered loadingReply, as redis-server does, so that
// a client or a probe that PINGs sees the server as not ready until its
// keyspace is whole. The list is Redis's whole, not only the commands this
// server has, so that one added later (AUTH, RESET, MULTI) follows Redis
// without a change here. For the containers whose every subcommand Redis
// flags (CLIENT, CONFIG, COMMAND, PUBSUB, ACL, LATENCY, SLOWLOG) the name
// is enough; for those of which only HELP is flagged, see helpWhileLoading.
// EXEC is left out: Redis runs it only if every queued command may run.
var allowedWhileLoading = map[string]bool{
	"acl": true, "auth": true, "client": true, "command": true, "config": true,
	"debug": true, "discard": true, "echo": true, "hello": true, "info": true,
	"lastsave": true, "latency": true, "monitor": true, "multi": true,
	"psubscribe": true, "publish": true, "pubsub": true, "punsubscribe": true,
	"quit": true, "readonly": true, "readwrite": true, "replconf": true,
	"reset": true, "role": true, "select": true,
	"shutdown": true, "slowlog": true, "spublish": true, "ssubscribe": true,
	"subscribe": true, "sunsubscribe": true, "time": true, "unsubscribe": true,
	"unwatch": true, "watch": true,
}

// helpWhileLoading are the containers of which Redis 7.0 flags only the
// HELP subcommand CMD_LOADING.
var helpWhileLoading = map[string]bool{
	"cluster": true, "function": true, "memory": true, "module": true, "object": true, "sentinel": true,
	"script": true, "xgroup": true, "xinfo": true,
}

// refusedWhileLoading answers -LOADING, and reports true, when the
// keyspace is still being loaded and cmd is not one Redis runs meanwhile.
// It comes after the arity and subscription checks, as in Redis's
// processCommand. The replay's own connection is never refused.
func (c *conn) refusedWhileLoading(cmd *command, args [][]byte) bool {
	if c.replay || !c.db.Loading() || allowedWhileLoading[cmd.name] {
		return false
	}
	if helpWhileLoading[cmd.name] && len(args) > 1 && bytes.EqualFold(args[1], []byte("help")) {
		return false
	}
	c.w.WriteError(loadingReply)
	return true
}

// loadingInfo adds the loading fields of INFO's Persistence section, as
// Redis 7.0 has them: loading and async_loading always, and while a load
// runs its progress. loading_rdb_used_mem has no meaning for an
// append-only file and is 0, as it is in Redis then; the estimate of the
// time left is Redis's too, from the bytes loaded so far.
func (h *Handler) loadingInfo(b *infoBuilder) {
	loading := h.store.Loading()
	b.int("loading", boolInt(loading))
	b.int("async_loading", 0)
	if !loading || h.aof == nil {
		return
	}
	st := h.aof.Status()
	perc := 100.0
	if st.LoadingTotalBytes > 0 {
		perc = float64(st.LoadingLoadedBytes) / float64(st.LoadingTotalBytes) * 100
	}
	elapsed := time.Now().Unix() - st.LoadingStartTime
	eta := int64(1) // Redis's stand-in before a second has passed
	if elapsed > 0 {
		eta = elapsed * (st.LoadingTotalBytes - st.LoadingLoadedBytes) / (st.LoadingLoadedBytes + 1)
	}
	b.int("loading_start_time", st.LoadingStartTime)
	b.int("loading_total_bytes", st.LoadingTotalBytes)
	b.int("loading_rdb_used_mem", 0)
	b.int("loading_loaded_bytes", st.LoadingLoadedBytes)
	b.field("loading_loaded_perc", strconv.FormatFloat(perc, 'f', 2, 64))
	b.int("loading_eta_seconds", eta)
}
