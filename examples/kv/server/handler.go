package server

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
)

// flushAt is the size of buffered replies that is written out even though
// more commands are waiting: a long pipeline of large GETs must not pile up
// its replies in memory. It is under the pooled reply buffer's 16 KiB
// (resp's initialBufSize), so that small replies are written before that
// buffer would have to grow: a grown buffer is not pooled, and growing one
// per long pipeline was garbage for every pipeline. Redis writes its
// replies in 16 KiB chunks too.
const flushAt = 12 << 10

// Config configures a [Handler].
type Config struct {
	// Store is the keyspace. Required.
	Store *store.Store
	// AOF is the append-only file, which must also be the Store's
	// journal; nil runs without persistence.
	AOF *aof.Writer
	// Rewriter rewrites the AOF on BGREWRITEAOF; nil refuses the command.
	Rewriter *aof.Rewriter
	// Listener, if set, is the listener serving this handler; INFO reports
	// its address and Stats. Other listeners of the same handler are
	// told with [Handler.AlsoServedBy].
	Listener *listener.Server
	// MaxConns is reported by CONFIG GET maxclients; 0 means no cap.
	MaxConns int
	// PubSub is the hub of SUBSCRIBE and PUBLISH; nil disables them.
	PubSub *pubsub.Hub
	// MaxBulkLen is the longest bulk string a client may send, Redis's
	// proto-max-bulk-len; longer gets "-ERR Protocol error: invalid bulk
	// length". 0 means resp.DefaultMaxBulkLen (512 MB).
	MaxBulkLen int
	// MaxQueryBuffer bounds what one command may make a connection hold,
	// Redis's client-query-buffer-limit: past it the connection is closed
	// without a reply, as Redis does. 0 means resp.DefaultMaxQueryBuffer
	// (1 GB).
	MaxQueryBuffer int64
	// RequirePass, when set, is the password a client must give before
	// any command but AUTH, HELLO and QUIT, Redis's requirepass; see
	// [Password].
	RequirePass Password
	// ProtectedMode refuses clients from other hosts while no password
	// is set, as Redis's protected-mode yes; see protected.go.
	ProtectedMode bool
	// KeyspaceEvents are the classes of keyspace notifications published
	// through PubSub, Redis's notify-keyspace-events, until CONFIG SET
	// changes them; the zero value publishes none. See notify.go.
	KeyspaceEvents KeyspaceEvents

	// debug enables the hidden DEBUG command, which can panic on demand.
	// It is unexported so that only this package's tests can set it.
	debug bool
	// now is the clock of the log rate limits; nil means time.Now.
	now func() time.Time
}

// badClientLogEvery is how often at most a line is logged about clients
// that broke the protocol or a limit: a flood of them costs a line a
// second, each with the count of those not logged.
const badClientLogEvery = time.Second

// Handler serves Redis protocol connections. It is a [listener.Handler].
type Handler struct {
	cfg     Config
	store   *store.Store
	aof     *aof.Writer
	started time.Time
	pid     int

	nextID   atomic.Int64
	active   atomic.Int64
	conns    atomic.Int64
	commands atomic.Int64
	bigRead  atomic.Int64
	hits     atomic.Int64
	misses   atomic.Int64
	memPeak  atomic.Int64

	cstats commandStats // INFO commandstats and errorstats (cmdstats.go)

	clients      clients // the open connections, for CLIENT LIST and KILL
	rejectedBase atomic.Uint64
	others       atomic.Pointer[[]*listener.Server] // AlsoServedBy's listeners

	pool   sync.Pool
	stacks *stackPool // runs the connections' commands (stacks.go)

	// What a hibernated client gives back and takes again at its wake
	// (hibernate.go): readers, writers, burst channels.
	readers, writers, burstDones sync.Pool

	// The ctxs whose cancellation wakes their connections (watch).
	watched  atomic.Pointer[watched]
	watchMu  sync.Mutex
	watching map[<-chan struct{}]struct{}
	replay   *conn // the connection Replay runs records on

	protoErrs, queryLimits logLimit

	authFailures atomic.Int64 // AUTH and HELLO AUTH refused (auth.go)
	denied       atomic.Int64 // clients refused by protected mode (protected.go)
	authFails    logLimit

	// Transactions (multi.go): EXEC holds txMu exclusively, every other
	// command shared; watches is the registry of watched keys.
	txMu    sync.RWMutex
	watches watchers

	settable settable // what CONFIG SET may change (config.go)
	notify   notifier // keyspace notifications (notify.go)

	blocking blockers // the clients blocked by BLPOP and its kin (blocking.go)
}

// New returns a Handler for cfg. It panics if cfg.Store is nil: that is a
// wiring mistake, not a runtime condition.
func New(cfg Config) *Handler {
	if cfg.Store == nil {
		panic("server: Config.Store is nil")
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	h := &Handler{cfg: cfg, store: cfg.Store, aof: cfg.AOF, started: time.Now(), pid: os.Getpid()}
	h.stacks = newStackPool(&h.active)
	h.notify.init(cfg.PubSub, cfg.Store, cfg.KeyspaceEvents)
	h.cstats.init()
	h.protoErrs.every, h.queryLimits.every = badClientLogEvery, badClientLogEvery
	h.authFails.every = authFailLogEvery
	opt := resp.Options{MaxBulkLen: cfg.MaxBulkLen, MaxQueryBuffer: cfg.MaxQueryBuffer}
	h.readers.New = func() any { return resp.NewReader(nil, opt) }
	h.writers.New = func() any { return resp.NewWriter(nil) }
	h.burstDones.New = func() any { return make(chan struct{}, 1) }
	h.pool.New = func() any {
		c := &conn{h: h, db: h.store}
		h.wakeParts(c)
		c.w.Reset(nil)
		return c
	}
	return h
}

// conn is one client's state. It is the io.Reader under its resp.Reader,
// which is how replies get flushed exactly when the next read would wait.
type conn struct {
	h    *Handler
	nc   net.Conn
	r    *resp.Reader
	w    *resp.Writer
	id   int64
	name string
	db   *store.Store // the database SELECT chose: database 0 at first

	rec   [][]byte // the record being journalled
	num   []byte   // scratch for formatting numbers into records
	lower [24]byte // the command name, lowercased for the table lookup

	wait   listener.Waiter // for the next bytes, holding no buffer
	ctx    context.Context // ServeConn's, for the bursts
	begun  atomic.Bool     // the first command has come
	asleep bool            // hibernated: the listener holds it (hibernate.go)

	// A burst's outcome, from the worker that ran it (stacks.go).
	burstDone  chan struct{}
	burstEnd   bool
	burstErr   error
	burstPanic *burstPanic

	sub      *pubsub.Subscriber // all output goes through it from the first SUBSCRIBE on
	commitTo int64              // the AOF offset this connection's writes reached; 0 once committed
	quit     bool
	replay   bool // applying the append-only file: no journal, no client
	authed   bool // may run any command: authenticated, or no password (auth.go)

	cmds, hits, misses int64 // counted locally, added to the Handler's per flush

	events KeyspaceEvents // the keyspace notifications published, read once per command (notify.go)
	owes   bool           // a command ran with some published: flush hands the events queued to the hub first

	st clientState // for CLIENT LIST and CLIENT KILL

	// The transaction (multi.go).
	multi      *multiState  // since MULTI; nil outside a transaction
	inExec     bool         // EXEC is running the queued commands
	watching   []watchedKey // the keys WATCH named
	watchDirty atomic.Bool  // one of them was written since
	readyKeys  []watchKey   // written by the transaction: blocked clients are served after EXEC

	blk *blocked // the blocking command waiting (blocking.go); set and read by others under blockers.mu
}

// AlsoServedBy tells h that l serves it too, beside Config.Listener (a
// TLS port, a unix socket): INFO's connected_clients and
// rejected_connections count l's clients as well. Call it before l
// serves.
func (h *Handler) AlsoServedBy(l *listener.Server) {
	var all []*listener.Server
	if p := h.others.Load(); p != nil {
		all = append(all, *p...)
	}
	all = append(all, l)
	h.others.Store(&all)
}

// listenerTotals sums, over every listener serving h, the clients yet to
// send their first command and the connections turned away.
func (h *Handler) listenerTotals() (unstarted int64, rejected uint64) {
	add := func(l *listener.Server) {
		st := l.Stats()
		unstarted += st.Unstarted
		rejected += st.Rejected
	}
	if h.cfg.Listener != nil {
		add(h.cfg.Listener)
	}
	if p := h.others.Load(); p != nil {
		for _, l := range *p {
			add(l)
		}
	}
	return unstarted, rejected
}

// ServeConn serves one connection until the client leaves, sends a
// malformed request, says QUIT, or ctx is cancelled. At cancellation it
// finishes the command in hand, writes the replies it owes and returns.
func (h *Handler) ServeConn(ctx context.Context, nc net.Conn) error {
	// The setup and its undoing live apart (open, release), and the loop
	// below keeps few locals: this frame stays on the stack of every idle
	// connection, beneath the wait, and the runtime starts new goroutines
	// with the average stack in use at the last collection, so a few bytes
	// here decide between 2 KiB and 4 KiB per connection.
	c := h.resume(ctx, nc)
	if c == nil {
		c = h.pool.Get().(*conn)
		c.nc, c.ctx, c.db = nc, ctx, h.store
		h.open(c)
		if !h.admit(c) {
			defer h.release(c)
			return peerGone(c.flush())
		}
	}
	defer h.release(c) // not while asleep (hibernate.go)

	// The connection's goroutine waits for bytes holding no buffer, and
	// the commands run on a worker's stack (see stackPool): an idle
	// connection costs its goroutine at the starting stack and its state.
	// The replies are written on the worker too (a write goes deeper than
	// the wait).
	inline := runsInline(nc) // TLS: tls.go
	for {
		if c.blk != nil {
			c.waitBlocked() // a blocked command: waits holding no worker (blocking.go)
		} else if c.r.Buffered() == 0 {
			if err := c.wait.Wait(); err != nil {
				if c.sleep(err) {
					return listener.Hibernate(c)
				}
				return c.waitFailed(err)
			}
		}
		if inline {
			c.burstEnd, c.burstErr = c.burst()
		} else {
			h.stacks.run(c)
		}
		if c.burstEnd {
			return c.burstErr
		}
	}
}

// open counts c, whose nc and ctx are set, and readies it. Its few
// arguments keep ServeConn's frame small: a caller reserves room in its own
// frame for the arguments of every function it calls.
func (h *Handler) open(c *conn) {
	nc := c.nc
	c.w.Reset(nc)
	c.wait.Reset(nc)
	c.id = h.nextID.Add(1)
	h.active.Add(1)
	h.conns.Add(1)
	h.clients.add(c)
	h.watch(c.ctx)
}

// watch makes sure that ctx's cancellation wakes the connections served
// under it (wakeAll). One registration serves every connection of a
// listener, whose handlers share one ctx: a registration per connection
// (context.AfterFunc) would take the ctx's lock and grow its map of
// children at every connect, and a lock waited for goes deep enough into
// the runtime to grow the connection goroutine's stack, which it would
// keep while idle.
func (h *Handler) watch(ctx context.Context) {
	done := ctx.Done()
	if done == nil {
		return // never cancelled
	}
	if w := h.watched.Load(); w != nil && w.done == done {
		return
	}
	h.watchNew(ctx, done)
}

// watchNew registers the wake of ctx's connections, once per ctx.
//
//go:noinline
func (h *Handler) watchNew(ctx context.Context, done <-chan struct{}) {
	h.watchMu.Lock()
	defer h.watchMu.Unlock()
	if _, ok := h.watching[done]; ok {
		h.watched.Store(&watched{done: done})
		return
	}
	if h.watching == nil {
		h.watching = make(map[<-chan struct{}]struct{})
	}
	h.watching[done] = struct{}{}
	h.watched.Store(&watched{done: done})
	context.AfterFunc(ctx, func() {
		h.wakeAll(done)
		h.watchMu.Lock()
		delete(h.watching, done)
		h.watchMu.Unlock()
	})
}

// watched is the ctx (known by its Done channel) whose cancellation is
// known to be watched, checked without a lock at each connect.
type watched struct{ done <-chan struct{} }

// wakeAll wakes the connections served under the ctx that done belongs
// to, at its cancellation. A read blocked on an idle connection would hold
// the drain until the listener's force-close; waking it with a past
// deadline lets the loop see ctx at once. A connection yet to send its
// first command is not woken: its client connected while the server still
// accepted and has its command on the way, as a client that connects per
// command does when a stop or an upgrade comes; it is answered, and then
// closed (the burst sees ctx after each command). One that never sends is
// closed by the drain's force-close.
func (h *Handler) wakeAll(done <-chan struct{}) {
	h.clients.mu.Lock()
	defer h.clients.mu.Unlock()
	for _, c := range h.clients.byID {
		if c.ctx != nil && c.ctx.Done() == done && c.begun.Load() { // nil: hibernated (hibernate.go)
			_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		}
	}
}

// waitFailed is readFailed for an error of the wait for bytes, out of
// ServeConn's frame for the reason open gives.
//
//go:noinline
func (c *conn) waitFailed(err error) error {
	return peerGone(c.readFailed(c.ctx, err))
}

// burst reads and runs the commands in hand until the read buffer is used
// up (end false: the replies are sent and the buffers given back; wait for
// more), or the connection is to end (end true, with the handler's error).
func (c *conn) burst() (end bool, err error) {
	if c.blk != nil { // the wait of a blocking command has ended (blocking.go)
		if c.endBlock() {
			return true, nil
		}
		if c.ctx.Err() != nil {
			return true, peerGone(c.flush())
		}
		if c.r.Buffered() == 0 {
			c.r.Release()
			return false, peerGone(c.flush())
		}
	}
	for {
		args, err := c.r.ReadCommand()
		if err != nil {
			return true, peerGone(c.readFailed(c.ctx, err))
		}
		if !c.begun.Load() {
			c.begun.Store(true)
		}
		c.exec(args)
		if n := c.r.BigBytes(); n > 0 {
			c.h.bigRead.Add(n)
		}
		if c.blk != nil { // blocked: the replies owed go now, the wait is ServeConn's
			if c.r.Buffered() == 0 {
				c.r.Release()
			}
			return false, peerGone(c.flush())
		}
		if c.quit || c.ctx.Err() != nil {
			return true, peerGone(c.flush())
		}
		if c.w.Buffered() >= flushAt {
			if err := c.flush(); err != nil {
				return true, peerGone(err)
			}
		}
		if c.r.Buffered() == 0 {
			c.r.Release()
			if err := c.flush(); err != nil {
				return true, peerGone(err)
			}
			return false, nil
		}
	}
}

// Sweep is the active expiry: [store.Store.Sweep] within budget, then the
// keyspace notifications of the keys it removed ("expired") are
// published. A server runs it periodically (kv: every 100ms, as Redis's
// hz 10). It returns Sweep's results.
func (h *Handler) Sweep(budget time.Duration) (int, error) {
	n, err := h.store.Sweep(budget)
	h.notify.deliver()
	return n, err
}

// BigRead returns how many bytes of big arguments (resp.BigArg and more)
// clients have sent in all. Each was a large allocation that is garbage
// soon after unless the store kept it; with [store.Store.Freed] it tells a
// server when memory is worth handing back to the operating system.
func (h *Handler) BigRead() int64 { return h.bigRead.Load() }

func (h *Handler) release(c *conn) {
	if c.asleep {
		return
	}
	h.active.Add(-1)
	h.stacks.closed() // after the count fell: see closed
	h.clients.remove(c)
	c.publishEvents()
	c.endPubSub()
	h.watches.remove(c)
	c.forgetBlock()
	c.multi, c.readyKeys = nil, nil
	c.addStats()
	if c.r == nil {
		// Closed asleep (hibernate.go's Close): its reader and writer
		// went back to their pools when it slept, and a pooled conn
		// must have them. It is left to the collector rather than given
		// parts again only to be pooled: a stop closes every sleeping
		// client this way.
		return
	}
	c.nc, c.ctx, c.name, c.quit, c.commitTo = nil, nil, "", false, 0
	c.begun.Store(false)
	c.burstEnd, c.burstErr = false, nil
	c.r.Reset(c)
	c.w.Reset(nil)
	c.wait.Reset(nil)
	h.pool.Put(c)
}

// readFailed ends the connection after a read error: a protocol error is
// answered before the connection closes, a client past the query buffer
// limit is closed without a reply, as Redis does; both are logged at most
// once a second with a count of the rest. A stop or a departed client is
// a normal end.
func (c *conn) readFailed(ctx context.Context, err error) error {
	var pe *resp.ProtocolError
	switch {
	case errors.As(err, &pe):
		c.w.WriteError("ERR " + pe.Error())
		if held, ok := c.h.protoErrs.allow(c.h.cfg.now()); ok {
			zerolog.Ctx(ctx).Info().Err(err).Int64("not_logged", held).
				Msg("closing a client that broke the protocol")
		}
		return c.flush()
	case errors.Is(err, resp.ErrQueryBufferLimit):
		if held, ok := c.h.queryLimits.allow(c.h.cfg.now()); ok {
			zerolog.Ctx(ctx).Warn().Int64("limit", c.r.MaxQueryBuffer()).Int64("not_logged", held).
				Msg("closing a client that reached the max query buffer length")
		}
		return nil
	case ctx.Err() != nil || c.st.killed.Load() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil
	}
	return err
}

// peerGone maps the errors of a peer that hung up (reset, broken pipe) to
// nil: a client leaving is a normal end, not worth a log line.
func peerGone(err error) error {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Read is called by the resp.Reader when it has no complete command
// buffered: the moment to send the replies owed, as one write.
func (c *conn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	n, err := c.nc.Read(p)
	c.st.lastAt.Store(time.Now().UnixNano())
	return n, err
}

// flush commits the append-only file up to this batch's records, then
// writes the buffered replies. If the commit fails the replies are not
// sent: the writes they acknowledge are not known to be in the file.
func (c *conn) flush() error {
	c.publishEvents() // before the replies to the writes that caused them
	if c.w.Buffered() == 0 {
		return nil
	}
	if c.commitTo != 0 {
		upTo := c.commitTo
		c.commitTo = 0
		if err := c.h.aof.Commit(upTo); err != nil {
			c.w.Discard()
			return err
		}
	}
	c.addStats()
	return c.w.Flush()
}

func (c *conn) addStats() {
	c.addCalls()
	if c.cmds != 0 {
		c.h.commands.Add(c.cmds)
		c.cmds = 0
	}
	if c.hits != 0 {
		c.h.hits.Add(c.hits)
		c.hits = 0
	}
	if c.misses != 0 {
		c.h.misses.Add(c.misses)
		c.misses = 0
	}
}

// record returns args as a journal record, or nil when replaying (the
// record is already in the file). The arguments are copied into the
// connection's scratch slice, so building one allocates nothing.
func (c *conn) record(args ...[]byte) [][]byte {
	if c.replay {
		return nil
	}
	c.rec = append(c.rec[:0], args...)
	return c.rec
}

// recordArgs is record for a command journalled as it was received.
func (c *conn) recordArgs(args [][]byte) [][]byte {
	if c.replay {
		return nil
	}
	return args
}
