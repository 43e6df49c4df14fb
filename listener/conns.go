package listener

import (
	"crypto/tls"
	"net"
	"strconv"
	"sync"

	"github.com/thejerf/suture/v4"
)

// connTracker knows every open connection of one Serve, so that the drain
// can close them by force, Serve can learn when the last one ended, and a
// stop report can name them. It also rotates the connection supervisors.
type connTracker struct {
	run    *run
	nextID uint64 // written by the acceptor only

	// current is the connection supervisor taking new connections. Only
	// the acceptor goroutine (one at a time) touches it.
	current *generation
	gens    uint64

	mu        sync.Mutex
	open      map[*conn]struct{}
	accepting bool
	draining  bool
	drained   chan struct{} // closed when draining and no connection is open
}

// A generation is one connection supervisor. suture numbers a supervisor's
// services with a uint32 that wraps, and a wrapped number can overwrite a
// live service, so a generation takes at most RetireAfter connections; then
// a fresh one takes over and the old one is removed once its last
// connection has ended (ranch keeps its connection supervisors apart for
// the same reasons).
type generation struct {
	sup     *suture.Supervisor
	token   suture.ServiceToken
	adds    uint32
	open    int  // guarded by connTracker.mu
	retired bool // guarded by connTracker.mu
}

func (t *connTracker) init(r *run) {
	t.run = r
	t.open = make(map[*conn]struct{})
	t.drained = make(chan struct{})
}

// startConn hands an accepted connection to a connection supervisor.
func (t *connTracker) startConn(nc net.Conn) {
	r := t.run
	t.nextID++
	c := &conn{run: r, raw: nc, nc: nc, id: t.nextID}
	if r.cfg.tls != nil {
		c.nc = tls.Server(nc, r.cfg.tls)
	}
	g := t.generation()
	if g == nil || !t.track(c, g) {
		t.reject(c)
		return
	}
	if g.sup.Add(c) == (suture.ServiceToken{}) {
		// The supervisor is stopping and did not start c; it is ours to
		// close.
		t.untrack(c)
		t.reject(c)
	}
}

func (t *connTracker) reject(c *conn) {
	c.raw.Close()
	t.run.releaseSlot()
	t.run.srv.counters.rejected.Add(1)
}

// generation returns the supervisor for the next connection, starting a
// fresh one when the current one has taken its share. It returns nil when
// the listener is stopping.
func (t *connTracker) generation() *generation {
	g := t.current
	if g != nil && g.adds < t.run.cfg.retireAfter {
		g.adds++
		return g
	}
	t.gens++
	ng := &generation{adds: 1}
	ng.sup = suture.New(t.run.cfg.name+"/conns/"+strconv.FormatUint(t.gens, 10), suture.Spec{
		Timeout: t.run.cfg.drain + stopGrace,
	})
	if ng.token = t.run.conns.Add(ng.sup); ng.token == (suture.ServiceToken{}) {
		return nil
	}
	t.current = ng
	if g != nil {
		t.mu.Lock()
		g.retired = true
		idle := g.open == 0
		t.mu.Unlock()
		if idle {
			t.run.conns.Remove(g.token)
		}
	}
	return ng
}

// track records c as open; it refuses once the drain has begun, since the
// drain may already have found no connection open and moved on.
func (t *connTracker) track(c *conn, g *generation) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return false
	}
	c.gen = g
	g.open++
	t.open[c] = struct{}{}
	t.run.srv.counters.active.Add(1)
	return true
}

// untrack forgets c, removes its generation if that was retired and has no
// connection left, and signals the drain when c was the last one.
func (t *connTracker) untrack(c *conn) {
	t.mu.Lock()
	delete(t.open, c)
	t.run.srv.counters.active.Add(-1)
	g := c.gen
	g.open--
	remove := g.retired && g.open == 0
	if t.draining && len(t.open) == 0 {
		close(t.drained)
	}
	t.mu.Unlock()
	if remove {
		t.run.conns.Remove(g.token)
	}
}

func (t *connTracker) setAccepting(on bool) {
	t.mu.Lock()
	t.accepting = on
	t.mu.Unlock()
}

// parts lists what is still running, for stop reports.
func (t *connTracker) parts() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var p []string
	if t.accepting {
		p = append(p, "acceptor")
	}
	for c := range t.open {
		p = append(p, c.part())
	}
	return p
}
