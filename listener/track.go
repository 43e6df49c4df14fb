package listener

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

// tracker knows every open connection of one Serve: it holds the MaxConns
// slots and the MaxConnsPerIP counts, runs each connection under a connection supervisor (a
// generation), lets the drain close the stragglers by force and learn when
// the last one ended, and names them in stop reports.
//
// A connection goes through it in order: reserve (the acceptor, before
// Accept), start (track and Add), end (untrack, then free its slot).
type tracker struct {
	sup         *suture.Supervisor // "name/conns", the parent of the generations
	name        string             // the listener's
	retireAfter uint32
	genTimeout  time.Duration // each generation's stop Timeout
	stats       *counters
	log         zerolog.Logger
	maxConns    int
	slots       chan struct{} // one token per open connection; nil without MaxConns
	slotFreed   func()        // a test's hook, or nil
	maxPerIP    int           // MaxConnsPerIP; 0 for none

	// current holds the generations taking new connections, one per
	// shard, in turn. Only the acceptor goroutine (one at a time) touches
	// it, next and gens.
	current []*generation
	next    int
	gens    uint64

	mu     sync.Mutex
	open   map[*conn]struct{}
	perIP  map[netip.Addr]int // open connections by remote IP, with maxPerIP
	closed bool               // the drain has begun: nothing more is tracked
	empty  chan struct{}      // closed once closed and no connection is open
}

// A generation is one connection supervisor. suture numbers a supervisor's
// services with a uint32 that wraps, and a wrapped number can overwrite a
// live service, so a generation takes at most retireAfter connections;
// then a fresh one takes over and the old one is removed once its last
// connection has ended (ranch keeps its connection supervisors apart for
// the same reasons). Restart intensity is counted per supervisor, which
// is one more reason to keep connections apart from the acceptor.
type generation struct {
	sup     *suture.Supervisor
	token   suture.ServiceToken
	adds    uint32
	open    int  // guarded by tracker.mu
	retired bool // guarded by tracker.mu
}

// newTracker returns the tracker of one Serve, whose generations run under
// sup.
func newTracker(c config, sup *suture.Supervisor, stats *counters, log zerolog.Logger) *tracker {
	t := &tracker{
		sup:         sup,
		name:        c.name,
		retireAfter: c.retireAfter,
		genTimeout:  c.drain + stopGrace,
		stats:       stats,
		log:         log,
		maxConns:    c.maxConns,
		slotFreed:   c.slotFreed,
		maxPerIP:    c.maxPerIP,
		open:        make(map[*conn]struct{}),
		empty:       make(chan struct{}),
		current:     make([]*generation, max(c.shards, 1)),
	}
	if c.maxConns > 0 {
		t.slots = make(chan struct{}, c.maxConns)
	}
	if c.maxPerIP > 0 {
		t.perIP = make(map[netip.Addr]int)
	}
	return t
}

// takeIP counts a connection from remote against its IP's share of
// MaxConnsPerIP; it reports false when the share is full. The IP it
// returns is released when the connection is untracked or closed at stop.
// Connections with no IP (unix sockets) have no share and are always
// taken.
func (t *tracker) takeIP(remote net.Addr) (netip.Addr, bool) {
	if t.perIP == nil {
		return netip.Addr{}, true
	}
	tcp, ok := remote.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, true
	}
	ip := tcp.AddrPort().Addr().Unmap()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perIP[ip] >= t.maxPerIP {
		return netip.Addr{}, false
	}
	t.perIP[ip]++
	return ip, true
}

// takeClientIP counts a tracked connection, whose client a PROXY header
// has just named, against that client's share of MaxConnsPerIP, as takeIP
// does at accept for a direct one.
func (t *tracker) takeClientIP(c *conn, remote net.Addr) bool {
	ip, ok := t.takeIP(remote)
	if ok && ip.IsValid() {
		t.mu.Lock()
		c.ip = ip
		t.mu.Unlock()
	}
	return ok
}

// releaseIPLocked gives c's share of its IP back, once.
func (t *tracker) releaseIPLocked(c *conn) {
	if !c.ip.IsValid() {
		return
	}
	if n := t.perIP[c.ip] - 1; n > 0 {
		t.perIP[c.ip] = n
	} else {
		delete(t.perIP, c.ip)
	}
	c.ip = netip.Addr{}
}

// reserve takes a connection slot, waiting while MaxConns connections are
// open; it reports false when ctx ended first. It is OverflowBacklog's:
// not accepting at the cap leaves new connections in the kernel's backlog.
func (t *tracker) reserve(ctx context.Context) bool {
	if t.slots == nil {
		return ctx.Err() == nil
	}
	select {
	case t.slots <- struct{}{}:
		return true
	default:
	}
	t.stats.atCap.Add(1)
	t.log.Debug().Int("max_conns", t.maxConns).Msg("at connection cap; waiting for a slot")
	select {
	case t.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// tryReserve takes a connection slot if one is free. It is
// OverflowReject's, after Accept: a slot that frees while the acceptor
// waits in Accept is then not missed.
func (t *tracker) tryReserve() bool {
	if t.slots == nil {
		return true
	}
	select {
	case t.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// free gives a slot back: after a failed Accept, a connection closed at
// stop, or a connection's end.
func (t *tracker) free() {
	if t.slots != nil {
		<-t.slots
	}
	if t.slotFreed != nil {
		t.slotFreed()
	}
}

// start hands an accepted connection, whose slot is reserved, to a
// connection supervisor.
func (t *tracker) start(c *conn) {
	g := t.generation()
	if g == nil || !t.track(c, g) {
		t.closeAtStop(c)
		return
	}
	if g.sup.Add(c) == (suture.ServiceToken{}) {
		// The supervisor is stopping and did not start c; it is ours to
		// close.
		t.untrack(c)
		t.closeAtStop(c)
	}
}

// end is the last thing a connection does. Its slot is freed only once it
// is untracked: freed first, it could let the acceptor track the next
// connection while this one still counts, and Stats.Active read one over
// MaxConns.
func (t *tracker) end(c *conn) {
	t.untrack(c)
	t.free()
}

// closeAtStop closes a connection that the stopping listener can no
// longer serve.
func (t *tracker) closeAtStop(c *conn) {
	t.mu.Lock()
	t.releaseIPLocked(c)
	t.mu.Unlock()
	c.raw.Close()
	t.free()
	t.stats.closedAtStop.Add(1)
}

// generation returns the supervisor for the next connection: the shards'
// current generations take connections in turn, and a shard starts a
// fresh one when its current one has taken its share. It returns nil when
// the listener is stopping.
//
// A supervisor handles its services' starts and ends one at a time, on
// its own goroutine: with one per CPU (as ranch has a connection
// supervisor per scheduler), the Adds of a connection flood and the ends
// of 10,000 connections at a stop are handled side by side.
func (t *tracker) generation() *generation {
	shard := t.next
	t.next = (t.next + 1) % len(t.current)
	g := t.current[shard]
	if g != nil && g.adds < t.retireAfter {
		g.adds++
		return g
	}
	t.gens++
	ng := &generation{adds: 1}
	ng.sup = suture.New(t.name+"/conns/"+strconv.FormatUint(t.gens, 10), suture.Spec{
		Timeout: t.genTimeout,
	})
	if ng.token = t.sup.Add(ng.sup); ng.token == (suture.ServiceToken{}) {
		return nil
	}
	t.current[shard] = ng
	if g != nil {
		t.mu.Lock()
		g.retired = true
		idle := g.open == 0
		t.mu.Unlock()
		if idle {
			t.sup.Remove(g.token)
		}
	}
	return ng
}

// track records c as open; it refuses once the drain has begun, since the
// drain may already have found no connection open and moved on.
func (t *tracker) track(c *conn, g *generation) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	c.gen = g
	g.open++
	t.open[c] = struct{}{}
	t.stats.active.Add(1)
	return true
}

// untrack forgets c, removes its generation if that was retired and has no
// connection left, and signals the drain when c was the last one.
func (t *tracker) untrack(c *conn) {
	t.mu.Lock()
	delete(t.open, c)
	t.releaseIPLocked(c)
	t.stats.active.Add(-1)
	g := c.gen
	g.open--
	remove := g.retired && g.open == 0
	if t.closed && len(t.open) == 0 {
		close(t.empty)
	}
	t.mu.Unlock()
	if remove {
		t.sup.Remove(g.token)
	}
}

// close stops the tracking of new connections, for the drain. It returns
// how many are open and a channel closed once none is.
func (t *tracker) close() (open int, empty <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if len(t.open) == 0 {
		close(t.empty)
	}
	return len(t.open), t.empty
}

// each calls fn for every open connection, holding the tracker's lock, and
// returns how many there were.
func (t *tracker) each(fn func(*conn)) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.open {
		fn(c)
	}
	return len(t.open)
}

// parts names the open connections, for stop reports.
func (t *tracker) parts() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var p []string
	for c := range t.open {
		p = append(p, c.part())
	}
	return p
}
