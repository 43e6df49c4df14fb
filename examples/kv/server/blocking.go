package server

import (
	"errors"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP) are where a client waits for another client's write.
//
// A command that finds nothing to take registers the client in blockers,
// under each key it named, in arrival order, and returns: the worker that
// ran it goes back to the pool, and the connection's goroutine waits
// (waitBlocked) holding no worker and no lock. The write that makes a key
// servable serves its waiters itself, before it replies to its own
// client: after every write command (or after EXEC, for the writes of a
// transaction), the keys it named that have waiters are served first come
// first served, each waiter's pop running on the writer's goroutine under
// the registry's lock. What it took is handed to the waiter, whose
// goroutine writes the reply. So a client that pushes and then reads the
// list sees the waiter's pop done, as with Redis's single thread, and a
// write journals the pops it caused after its own record.
//
// The wait ends when the client is served, at its timeout, at CLIENT
// UNBLOCK, when the client hangs up or is killed, and at the listener's
// stop: at its ctx's cancellation a blocked client is answered as at its
// timeout (a null array) and its connection closed, so that a drain does
// not wait for pushes that may never come; a force-close after the drain
// deadline ends the wait as a hang-up does.

// blockers is the Handler's registry of blocked clients, by key.
type blockers struct {
	mu    sync.Mutex
	keys  map[watchKey][]*blocked // the clients blocked on each key, first come first
	count atomic.Int64            // blocked clients: writes skip serving while 0
}

// blockEnd is how a blocked client's wait ended.
type blockEnd uint8

const (
	stillBlocked   blockEnd = iota
	blockServed             // a write served it: write what its pop took
	blockTimedOut           // its timeout, CLIENT UNBLOCK TIMEOUT or a stop: a null array
	blockUnblocked          // CLIENT UNBLOCK ERROR
	blockGone               // the client hung up or was killed: no reply
)

// blocked is one blocked client. Its fields are guarded by blockers.mu;
// done is closed when end is set.
type blocked struct {
	c        *conn
	op       popper
	keys     []watchKey
	end      blockEnd
	done     chan struct{}
	timer    *time.Timer
	appended int64 // the journal's end after the pop that served it
	err      error // the error a serve ended it with
	wake     bool  // the connection waits on its socket: a past deadline wakes it
}

// popper is what a blocking command takes, on its client's behalf, from
// the first of its keys that holds something.
type popper interface {
	// take pops from key of db, journalling the pop as Redis propagates
	// it (an LPOP for a BLPOP...). It reports whether it took anything;
	// a key of another kind is store.ErrWrongType.
	take(c *conn, db *store.Store, key []byte) (bool, error)
	// reply writes what take took.
	reply(c *conn)
	// pushed is the key take pushed onto, whose waiters are served next
	// (BLMOVE's destination); nil for a pop.
	pushed() []byte
}

// blockOn runs a blocking command: op takes from the first of keys that
// holds something, in the client's database, or the client blocks until a
// write makes one servable or timeout passes (0: no timeout). Inside a
// transaction it never blocks: the reply is at once what a timeout gives,
// timeoutReply.
func (c *conn) blockOn(keys [][]byte, timeout time.Duration, op popper, timeoutReply func(*conn)) {
	r := &c.h.blocking
	r.mu.Lock()
	if c.takeFirst(keys, op) {
		r.mu.Unlock()
		return
	}
	if c.inExec || c.replay {
		r.mu.Unlock()
		timeoutReply(c)
		return
	}
	b := &blocked{c: c, op: op, done: make(chan struct{})}
	if r.keys == nil {
		r.keys = make(map[watchKey][]*blocked)
	}
	for _, key := range keys {
		k := watchKey{c.db.Index(), string(key)}
		if slices.Contains(b.keys, k) {
			continue // BLPOP k k: one place in k's line
		}
		b.keys = append(b.keys, k)
		r.keys[k] = append(r.keys[k], b)
	}
	r.count.Add(1)
	if timeout > 0 {
		b.timer = time.AfterFunc(timeout, func() {
			r.mu.Lock()
			r.finishLocked(b, blockTimedOut)
			r.mu.Unlock()
		})
	}
	c.blk = b
	r.mu.Unlock()
}

// takeFirst has op take from the first of keys that holds something,
// and writes the reply: what it took, or the error of a key of another
// kind. It reports whether it replied; false leaves the reply to the
// caller: nothing to take.
func (c *conn) takeFirst(keys [][]byte, op popper) bool {
	for _, key := range keys {
		ok, err := op.take(c, c.db, key)
		if err != nil {
			c.writeStoreError(err)
			return true
		}
		if ok {
			op.reply(c)
			return true
		}
	}
	return false
}

// finishLocked ends b's wait as end says, unless it has ended already,
// and wakes its connection; it reports whether it ended it. r.mu is held.
func (r *blockers) finishLocked(b *blocked, end blockEnd) bool {
	if b.end != stillBlocked {
		return false
	}
	b.end = end
	for _, k := range b.keys {
		line := slices.DeleteFunc(r.keys[k], func(o *blocked) bool { return o == b })
		if len(line) == 0 {
			delete(r.keys, k)
		} else {
			r.keys[k] = line
		}
	}
	r.count.Add(-1)
	if b.timer != nil {
		b.timer.Stop()
	}
	close(b.done)
	if b.wake {
		// The connection's goroutine waits for its socket; a deadline in
		// the past wakes it, and it clears the deadline under r.mu,
		// after this.
		_ = b.c.nc.SetReadDeadline(time.Unix(1, 0))
	}
	return true
}

// serveKeys serves the clients blocked on the keys a write command
// named, if any. Inside EXEC the keys wait for the end of the transaction
// (serveAfterExec), as in Redis.
func (c *conn) serveKeys(cmd *command, args [][]byte) {
	if c.h.blocking.count.Load() == 0 {
		return
	}
	c.serveIn(c.db.Index(), keysNamed(cmd, args)...)
}

// serveIn serves the clients blocked on keys of database db, if any: a
// write changed them.
func (c *conn) serveIn(db int, keys ...[]byte) {
	if c.h.blocking.count.Load() == 0 || len(keys) == 0 {
		return
	}
	if c.inExec {
		for _, k := range keys {
			c.readyKeys = append(c.readyKeys, watchKey{db, string(k)})
		}
		return
	}
	ready := make([]watchKey, len(keys))
	for i, k := range keys {
		ready[i] = watchKey{db, string(k)}
	}
	c.h.serve(ready)
}

// serveAfterExec serves the keys the transaction's writes touched.
func (c *conn) serveAfterExec() {
	ready := c.readyKeys
	c.readyKeys = nil
	if len(ready) > 0 && c.h.blocking.count.Load() > 0 {
		c.h.serve(ready)
	}
}

// serveDB serves every client blocked on a key of database db: SWAPDB and
// MOVE change what a whole database, or a key in another one, holds.
func (h *Handler) serveDB(db ...int) {
	r := &h.blocking
	if r.count.Load() == 0 {
		return
	}
	var ready []watchKey
	r.mu.Lock()
	for k := range r.keys {
		if slices.Contains(db, k.db) {
			ready = append(ready, k)
		}
	}
	r.mu.Unlock()
	h.serve(ready)
}

// serve serves the clients blocked on the ready keys, each key's clients
// in the order they blocked, until the key has nothing left for them. A
// BLMOVE served pushes onto its destination, whose clients are served in
// turn. A client blocked on a key of another kind stays blocked, as in
// Redis 7.0.
func (h *Handler) serve(ready []watchKey) {
	r := &h.blocking
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(ready) > 0 {
		k := ready[0]
		ready = ready[1:]
		line := r.keys[k]
		if len(line) == 0 {
			continue
		}
		db, key := h.store.DB(k.db), []byte(k.key)
		for _, b := range slices.Clone(line) {
			ok, err := b.op.take(b.c, db, key)
			var ended blockError
			if errors.As(err, &ended) {
				b.err = err
				r.finishLocked(b, blockServed)
				continue
			}
			if err != nil && b.op.pushed() != nil && db.Type(key) == store.KindList {
				// BLMOVE's source is a list and its destination is not:
				// Redis 7.0 answers WRONGTYPE and unblocks the client.
				b.err = err
				r.finishLocked(b, blockServed)
				continue
			}
			if err != nil {
				continue // another kind: a client of that kind may be next
			}
			if !ok {
				if _, shared := b.op.(interface{ shared() }); shared {
					continue // an XREAD served or not, the next may be
				}
				break
			}
			if h.aof != nil {
				b.appended = h.aof.Appended()
			}
			r.finishLocked(b, blockServed)
			if dst := b.op.pushed(); dst != nil {
				ready = append(ready, watchKey{k.db, string(dst)})
			}
		}
	}
}

// unblock is CLIENT UNBLOCK's: it ends the wait of the client with id, if
// it is blocked, as a timeout or with an error; it reports whether it did.
func (h *Handler) unblock(id int64, withError bool) bool {
	h.clients.mu.Lock()
	o := h.clients.byID[id]
	h.clients.mu.Unlock()
	if o == nil {
		return false
	}
	end := blockTimedOut
	if withError {
		end = blockUnblocked
	}
	r := &h.blocking
	r.mu.Lock()
	defer r.mu.Unlock()
	b := o.blk
	return b != nil && r.finishLocked(b, end)
}

// isBlocked reports whether c is blocked now, for CLIENT LIST.
func (c *conn) isBlocked() bool {
	r := &c.h.blocking
	r.mu.Lock()
	defer r.mu.Unlock()
	return c.blk != nil && c.blk.end == stillBlocked
}

// waitBlocked waits, on the connection's goroutine, for the end of the
// wait of the client's blocking command. A connection on a socket that
// can be watched without reading (TCP, Unix) waits for its socket too, so
// that a client that hangs up, is killed or is closed by the drain's
// force-close is forgotten at once; the others, and a client that sent
// more commands behind the blocking one, wait for the wait's end and for
// ctx.
func (c *conn) waitBlocked() {
	b, r := c.blk, &c.h.blocking
	r.mu.Lock()
	var sock net.Conn
	watch := b.end == stillBlocked && !runsInline(c.nc)
	if watch {
		sock, watch = peekable(c.nc)
	}
	b.wake = watch
	r.mu.Unlock()
	for watch {
		err := listener.WaitReadable(sock)
		r.mu.Lock()
		if b.end != stillBlocked {
			// The waker's deadline goes; the idle layer's, if any,
			// comes back for the next wait.
			_ = c.nc.SetReadDeadline(time.Time{})
			r.mu.Unlock()
			return
		}
		switch {
		case c.ctx.Err() != nil:
			r.finishLocked(b, blockTimedOut)
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The idle layer's deadline, not a waker's (they end the
			// block first, under r.mu): idleness is not a blocked
			// client's. Off until the wait ends, when SetReadDeadline
			// above gives the layer its deadline back.
			_ = sock.SetReadDeadline(time.Time{})
		case err != nil || peerClosed(sock):
			r.finishLocked(b, blockGone)
		default:
			// More commands wait behind the blocking one: they are
			// read once it ends, and the socket cannot be watched
			// meanwhile without reading them.
			b.wake, watch = false, false
		}
		r.mu.Unlock()
	}
	select {
	case <-b.done:
	case <-c.ctx.Done():
		r.mu.Lock()
		r.finishLocked(b, blockTimedOut)
		r.mu.Unlock()
	}
}

// endBlock writes the reply of the blocking command whose wait has ended,
// on the worker that runs the connection's next burst; it reports whether
// the connection is to end (the client left).
func (c *conn) endBlock() (end bool) {
	b, r := c.blk, &c.h.blocking
	r.mu.Lock()
	how := b.end
	c.blk = nil
	r.mu.Unlock()
	switch how {
	case blockServed:
		if b.err != nil {
			c.writeStoreError(b.err)
			c.failedBlocked()
			break
		}
		b.op.reply(c)
		if b.appended > c.commitTo {
			c.commitTo = b.appended
		}
		c.owes = true // the serving write's events, the pop's among them, go before this reply
	case blockUnblocked:
		c.w.WriteError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
		c.failedBlocked()
	case blockGone:
		return true
	default:
		c.w.WriteNullArray()
	}
	return false
}

// forgetBlock ends the wait of a connection that closes while blocked.
func (c *conn) forgetBlock() {
	if c.blk == nil {
		return
	}
	r := &c.h.blocking
	r.mu.Lock()
	r.finishLocked(c.blk, blockGone)
	c.blk = nil
	r.mu.Unlock()
}

// parseTimeout reads a blocking command's timeout, a number of seconds
// that may have a fraction, as Redis reads it: rounded up to the
// millisecond, 0 for no timeout. A bad one is answered with Redis's
// error.
func (c *conn) parseTimeout(arg []byte) (time.Duration, bool) {
	f, err := strconv.ParseFloat(string(arg), 64)
	if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
		err = nil // within a long double's range, as Redis reads it
	}
	if err != nil || math.IsNaN(f) {
		c.w.WriteError("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := math.Ceil(f * 1000)
	// Redis converts the milliseconds to a long long: past its range the
	// conversion comes out negative, and so does its answer.
	if ms < 0 || ms >= math.MaxInt64 {
		c.w.WriteError("ERR timeout is negative")
		return 0, false
	}
	if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, true // beyond any wait this process will see: no timeout
	}
	return time.Duration(ms) * time.Millisecond, true
}

// kill ends the wait of c, killed by CLIENT KILL, if it is blocked.
func (r *blockers) kill(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.blk != nil {
		r.finishLocked(c.blk, blockGone)
	}
}

// clientUnblock is CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was
// blocked and is no longer, else 0.
func (c *conn) clientUnblock(args [][]byte) {
	withError := false
	if len(args) == 4 {
		switch {
		case eqFold(args[3], "TIMEOUT"):
		case eqFold(args[3], "ERROR"):
			withError = true
		default:
			c.w.WriteError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := resp.ParseInt(args[2])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	if c.h.unblock(id, withError) {
		c.w.WriteInt(1)
	} else {
		c.w.WriteInt(0)
	}
}

// flagsWord is c's flags in CLIENT LIST: b while blocked, else N.
func (c *conn) flagsWord() string {
	if c.isBlocked() {
		return "b"
	}
	return "N"
}

// failedBlocked counts a blocked command that ended with an error in its
// command's failed_calls: the blocking command was the connection's last
// to run, so its counter is the one the connection holds.
func (c *conn) failedBlocked() {
	if c.st.pend != nil {
		c.st.pend.failed.Add(1)
	}
}
