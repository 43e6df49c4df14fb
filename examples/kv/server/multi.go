package server

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/seamgo/seam/examples/kv/store"
)

// A transaction (MULTI ... EXEC) is kv's one place where a client's
// commands must not interleave with anyone else's. Every other command
// runs under the shard locks of the keys it touches, concurrently with
// the rest; EXEC instead takes txMu exclusively while every other command
// holds it shared, so that its commands run as one step and the other
// connections wait at their next command, as Redis's single thread makes
// them wait.
//
// WATCH is optimistic: a watched key changed by any command (a key a
// write sends an event about, as Redis signals the keys it sends events
// about, or every existing key of a database FLUSHDB, FLUSHALL or SWAPDB
// replaces) marks its watchers dirty, and their EXEC fails with a null
// reply. A write that changed nothing (SET NX of an existing key, SREM
// of a missing member) leaves them be. A key that existed when it was watched and is gone at EXEC,
// expired in the meantime, fails it too, as in Redis 7.

// multiState is a connection's transaction: the commands queued since
// MULTI, and whether one of them was refused (EXEC then aborts).
type multiState struct {
	queue   [][][]byte
	cmds    []*command
	aborted bool
}

// watchKey names a watched key: a key of a database.
type watchKey struct {
	db  int
	key string
}

// watchers is the Handler's registry of watched keys.
type watchers struct {
	mu    sync.Mutex
	keys  map[watchKey]map[*conn]struct{}
	count atomic.Int64 // len(keys): writes skip the registry when it is 0
}

// watchedKey is one key a connection watches, and whether it existed then.
type watchedKey struct {
	k       watchKey
	existed bool
}

func (w *watchers) add(c *conn, k watchKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys == nil {
		w.keys = make(map[watchKey]map[*conn]struct{})
	}
	cs := w.keys[k]
	if cs == nil {
		cs = make(map[*conn]struct{})
		w.keys[k] = cs
		w.count.Add(1)
	}
	cs[c] = struct{}{}
}

// remove forgets every key c watches, and its dirty mark.
func (w *watchers) remove(c *conn) {
	if len(c.watching) == 0 {
		c.watchDirty.Store(false)
		return
	}
	w.mu.Lock()
	for _, wk := range c.watching {
		if cs := w.keys[wk.k]; cs != nil {
			delete(cs, c)
			if len(cs) == 0 {
				delete(w.keys, wk.k)
				w.count.Add(-1)
			}
		}
	}
	w.mu.Unlock()
	c.watching = c.watching[:0]
	c.watchDirty.Store(false)
}

// touch marks dirty every watcher of key in db.
func (w *watchers) touch(db int, key []byte) {
	if w.count.Load() == 0 {
		return
	}
	w.mu.Lock()
	for c := range w.keys[watchKey{db, string(key)}] {
		c.watchDirty.Store(true)
	}
	w.mu.Unlock()
}

// touchExisting marks dirty the watchers of the keys of db that exist:
// what a FLUSHDB is about to remove.
func (w *watchers) touchExisting(db *store.Store) {
	if w.count.Load() == 0 {
		return
	}
	w.mu.Lock()
	for k, cs := range w.keys {
		if k.db == db.Index() && db.Exists([]byte(k.key)) {
			for c := range cs {
				c.watchDirty.Store(true)
			}
		}
	}
	w.mu.Unlock()
}

// keysNamed returns the keys cmd names in args, found as COMMAND reports
// them.
func keysNamed(cmd *command, args [][]byte) [][]byte {
	if cmd.first == 0 {
		return nil
	}
	last := cmd.last
	if last < 0 {
		last += len(args)
	}
	var keys [][]byte
	for i := cmd.first; i <= last && i < len(args); i += max(cmd.step, 1) {
		keys = append(keys, args[i])
	}
	return keys
}

func cmdMulti(c *conn, _ [][]byte) {
	if c.multi != nil {
		c.w.WriteError("ERR MULTI calls can not be nested")
		return
	}
	c.multi = &multiState{}
	c.w.WriteOK()
}

// queue adds a command to the transaction, its arguments copied: the
// reader reuses its buffers for the next command.
func (c *conn) queue(cmd *command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = bytes.Clone(a)
	}
	c.multi.queue = append(c.multi.queue, cp)
	c.multi.cmds = append(c.multi.cmds, cmd)
	c.w.WriteSimple("QUEUED")
}

func cmdDiscard(c *conn, _ [][]byte) {
	if c.multi == nil {
		c.w.WriteError("ERR DISCARD without MULTI")
		return
	}
	c.multi = nil
	c.h.watches.remove(c)
	c.w.WriteOK()
}

// cmdExec runs the queued commands as one step, replying with the array
// of their replies: nothing else runs meanwhile. It aborts, running none,
// if a command was refused while queued (EXECABORT) or a watched key was
// touched (a null reply).
func cmdExec(c *conn, _ [][]byte) {
	m := c.multi
	if m == nil {
		c.w.WriteError("ERR EXEC without MULTI")
		return
	}
	c.multi = nil
	if m.aborted {
		c.h.watches.remove(c)
		c.w.WriteError("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	c.h.txMu.Lock()
	defer c.h.txMu.Unlock()
	dirty := c.watchDirty.Load() || c.watchedExpired()
	c.h.watches.remove(c)
	if dirty {
		c.w.WriteNullArray()
		return
	}
	c.w.WriteArrayHeader(len(m.cmds))
	c.inExec = true
	defer func() { c.inExec = false }()
	for i, cmd := range m.cmds {
		c.st.lastCmd.Store(cmd)
		c.call(cmd, m.queue[i])
	}
	c.inExec = false
	// The transaction's pushes serve blocked clients now, as one write.
	c.serveAfterExec()
}

// watchedExpired reports whether a key that existed when it was watched
// is gone: it expired, which no write announced.
func (c *conn) watchedExpired() bool {
	for _, wk := range c.watching {
		if wk.existed && !c.h.store.DB(wk.k.db).Exists([]byte(wk.k.key)) {
			return true
		}
	}
	return false
}

func cmdWatch(c *conn, args [][]byte) {
	if c.multi != nil {
		c.w.WriteError("ERR WATCH inside MULTI is not allowed")
		return
	}
	for _, key := range args[1:] {
		k := watchKey{c.db.Index(), string(key)}
		known := false
		for _, wk := range c.watching {
			known = known || wk.k == k
		}
		if known {
			continue
		}
		c.watching = append(c.watching, watchedKey{k: k, existed: c.db.Exists(key)})
		c.h.watches.add(c, k)
	}
	c.w.WriteOK()
}

func cmdUnwatch(c *conn, _ [][]byte) {
	c.h.watches.remove(c)
	c.w.WriteOK()
}

// queuedNow reports whether cmd is to be queued rather than run: inside
// MULTI, every command but those that end or manage the transaction.
func (c *conn) queuedNow(cmd *command) bool {
	if c.multi == nil || c.inExec {
		return false
	}
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "unwatch", "quit", "reset":
		return false
	}
	return true
}

// touchSwapped marks dirty the watchers of the keys of databases a and b
// that exist in either: what a SWAPDB of the two is about to change.
func (w *watchers) touchSwapped(a, b *store.Store) {
	if w.count.Load() == 0 {
		return
	}
	w.mu.Lock()
	for k, cs := range w.keys {
		if k.db != a.Index() && k.db != b.Index() {
			continue
		}
		if key := []byte(k.key); a.Exists(key) || b.Exists(key) {
			for c := range cs {
				c.watchDirty.Store(true)
			}
		}
	}
	w.mu.Unlock()
}
