package listener

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/thejerf/suture/v4"
)

// tracker knows every open connection of one Serve: it admits them against
// the MaxConns slots and the MaxConnsPerIP counts, runs each under a
// connection supervisor (a generation), lets the drain close the
// stragglers by force and learn when the last one ended, and names them in
// stop reports.
//
// A connection goes through it in order: admit (a slot, then its IP's
// share), start (track and Add), end (untrack, then release what admit
// counted).
type tracker struct {
	run   *run
	sup   *suture.Supervisor // "name/conns", the parent of the generations
	slots chan struct{}      // one token per open connection; nil without MaxConns

	// current holds the generations taking new connections, one per
	// shard, in turn. genMu guards it, next and gens: the acceptor and
	// the poller's wakes take generations.
	genMu   sync.Mutex
	current []*generation
	next    int
	gens    uint64

	mu     sync.Mutex
	open   map[*conn]struct{}
	perIP  map[netip.Addr]int // open connections by remote IP, with MaxConnsPerIP
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
	sup   *suture.Supervisor
	token suture.ServiceToken
	adds  uint32 // the acceptor's alone

	// state is the count of open connections, with retiredBit set once
	// a fresh generation has taken over: one word, so that exactly one
	// of the last connection's end and the retirement sees both at once
	// and removes the generation.
	state atomic.Int64
}

const retiredBit = 1 << 62

// newTracker returns the tracker of r, whose generations run under sup.
func newTracker(r *run, sup *suture.Supervisor) *tracker {
	t := &tracker{
		run:     r,
		sup:     sup,
		open:    make(map[*conn]struct{}),
		empty:   make(chan struct{}),
		current: make([]*generation, max(r.hooks.shards, 1)),
	}
	if r.maxConns > 0 {
		t.slots = make(chan struct{}, r.maxConns)
	}
	if r.maxPerIP > 0 {
		t.perIP = make(map[netip.Addr]int)
	}
	return t
}

// A verdict is what admission decides for a connection.
type verdict uint8

const (
	admitted          verdict = iota
	overMaxConns              // MaxConns connections are open
	overMaxConnsPerIP         // MaxConnsPerIP connections are open from its IP
)

// admit decides whether c may be served and, if so, counts it against the
// caps: a MaxConns slot, unless c holds one already, and, once its client
// is known, a share of its IP's MaxConnsPerIP. client is nil while a
// PROXY header has yet to name it. A direct connection is admitted once,
// at accept; a balancer's twice, by the same rules: at accept for its
// slot, and on its own goroutine once its header has named its client.
// What a refused connection holds stays counted until [tracker.release].
func (t *tracker) admit(c *conn, client net.Addr) verdict {
	if !c.slot {
		if !t.tryReserve() {
			return overMaxConns
		}
		c.slot = true
	}
	if client == nil || t.perIP == nil {
		return admitted
	}
	tcp, ok := client.(*net.TCPAddr)
	if !ok {
		return admitted // no IP (unix sockets), no share
	}
	ip := tcp.AddrPort().Addr().Unmap()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perIP[ip] >= t.run.maxPerIP {
		return overMaxConnsPerIP
	}
	t.perIP[ip]++
	c.ip = ip
	return admitted
}

// release gives back what admission counted for c: its IP's share, then
// its slot.
func (t *tracker) release(c *conn) {
	if c.ip.IsValid() {
		t.mu.Lock()
		t.releaseIPLocked(c)
		t.mu.Unlock()
	}
	if c.slot {
		c.slot = false
		t.free()
	}
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
	t.run.stats.atCap.Add(1)
	t.run.log.Debug().Int("max_conns", t.run.maxConns).Msg("at connection cap; waiting for a slot")
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

// free gives a slot back: after a failed Accept, or when a connection
// that held one is released.
func (t *tracker) free() {
	if t.slots != nil {
		<-t.slots
	}
	if h := t.run.hooks.slotFreed; h != nil {
		h()
	}
}

// start hands an admitted connection to a connection supervisor.
func (t *tracker) start(c *conn) {
	g := t.nextGeneration()
	if g == nil || !t.track(c, g, true) {
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

// startAsleep parks an admitted connection before its handler's first
// run (HibernateAtAccept): it is open, in no generation, and the
// poller's wake starts it as wake does a hibernated one.
func (t *tracker) startAsleep(c *conn) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.closeAtStop(c)
		return
	}
	t.open[c] = struct{}{}
	t.run.stats.active.Add(1)
	t.mu.Unlock()
	c.unborn = true
	if !t.run.poller.park(c) {
		// The stop has begun (wake then closes it), or epoll refused the
		// socket: it starts at once, as without HibernateAtAccept.
		c.woken = true
		t.wake(c)
	}
}

// end is the last thing a connection does. What admission counted is
// released only once it is untracked: its slot freed first, it could let
// the acceptor track the next connection while this one still counts,
// and Stats.Active read one over MaxConns.
func (t *tracker) end(c *conn) {
	t.untrack(c)
	t.release(c)
}

// closeAtStop closes a connection that the stopping listener can no
// longer serve.
func (t *tracker) closeAtStop(c *conn) {
	c.raw.Close()
	t.release(c)
	t.run.stats.closedAtStop.Add(1)
}

// nextGeneration is generation for the acceptor's starts and the
// poller's wakes, which may come at once.
func (t *tracker) nextGeneration() *generation {
	t.genMu.Lock()
	defer t.genMu.Unlock()
	return t.generation()
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
	if g != nil && g.adds < t.run.hooks.retireAfter {
		g.adds++
		return g
	}
	t.gens++
	ng := &generation{adds: 1}
	ng.sup = suture.New(t.run.name+"/conns/"+strconv.FormatUint(t.gens, 10), suture.Spec{
		Timeout: t.run.drain + stopGrace,
	})
	if ng.token = t.sup.Add(ng.sup); ng.token == (suture.ServiceToken{}) {
		return nil
	}
	t.current[shard] = ng
	if g != nil && g.state.Or(retiredBit) == 0 {
		t.sup.Remove(g.token) // retired with no connection left
	}
	return ng
}

// track puts c in generation g and, when it is new, records it as open
// (a woken connection still is); it refuses once the drain has begun,
// since the drain may already have found no connection open and moved
// on.
func (t *tracker) track(c *conn, g *generation, isNew bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed && !c.unborn { // one parked at accept is served through the drain
		return false
	}
	c.gen = g
	g.state.Add(1)
	if isNew {
		t.open[c] = struct{}{}
		t.run.stats.active.Add(1)
	}
	return true
}

// untrack forgets c, removes its generation if that was retired and has no
// connection left, and signals the drain when c was the last one.
func (t *tracker) untrack(c *conn) {
	t.mu.Lock()
	delete(t.open, c)
	t.releaseIPLocked(c)
	t.run.stats.active.Add(-1)
	if t.closed && len(t.open) == 0 {
		close(t.empty)
	}
	t.mu.Unlock()
	t.leaveGeneration(c)
}

// leaveGeneration takes c out of its generation's count, as it ends or
// hibernates, and removes the generation if that was retired and has no
// connection left. A hibernated connection is in none.
func (t *tracker) leaveGeneration(c *conn) {
	g := c.gen
	if g == nil {
		return
	}
	c.gen = nil
	if g.state.Add(-1) == retiredBit {
		t.sup.Remove(g.token)
	}
}

// wake starts a hibernated connection's handler again, as a new service
// in a current generation, unless the listener has begun to stop: then
// it closes it, as closeAtStop does a new one.
func (t *tracker) wake(c *conn) {
	g := t.nextGeneration()
	if g == nil || !t.track(c, g, false) {
		t.run.stats.closedAtStop.Add(1)
		c.closeAsleep()
		return
	}
	if g.sup.Add(c) == (suture.ServiceToken{}) {
		t.run.stats.closedAtStop.Add(1)
		t.leaveGeneration(c)
		c.closeAsleep()
		return
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
