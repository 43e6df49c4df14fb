package listener

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// slotEvents returns a slotFreed hook for s and a channel that receives an
// event each time a connection slot is freed.
func slotEvents(s *Server) <-chan struct{} {
	freed := make(chan struct{}, 64)
	s.hooks.slotFreed = func() {
		select {
		case freed <- struct{}{}:
		default: // nobody is counting any more: never hold up the listener
		}
	}
	return freed
}

// Connection supervisors are retired before suture's uint32 service IDs
// could wrap: after retireAfter connections a fresh supervisor takes new
// ones, and a retired one is removed once its last connection ends, even
// when that connection outlives several generations.
func TestConnectionSupervisorsRetire(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), hooks: hooks{retireAfter: 2, shards: 1}}
	freed := slotEvents(s)
	addr := seamtest.Start(t, s).Addr
	s.mu.Lock()
	conns := s.running.conns
	s.mu.Unlock()
	// A generation is removed before its last connection frees its slot,
	// or before the next connection is added: either way Services, a
	// round trip to the same supervisor, sees the removal.
	generations := func() int { return len(conns.sup.Services()) }

	longLived, err := net.Dial("tcp", addr.String()) // generation 1
	if err != nil {
		t.Fatal(err)
	}
	defer longLived.Close()
	seamtest.WantEcho(t, longLived, "first")

	for i := 0; i < 7; i++ { // generations 1 to 4
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		seamtest.WantEcho(t, c, "short")
		c.Close()
		seamtest.Recv(t, freed, "the connection to end")
		if active := s.Stats().Active; active != 1 {
			t.Fatalf("Active = %d after a connection ended; want 1", active)
		}
	}
	// Generation 1 stays for its long-lived connection, beside the
	// current one; the drained ones in between are gone.
	if n := generations(); n != 2 {
		t.Fatalf("%d generations; want 2", n)
	}
	seamtest.WantEcho(t, longLived, "still here")

	longLived.Close()
	seamtest.Recv(t, freed, "the long-lived connection to end")
	if n := generations(); n != 1 {
		t.Fatalf("%d generations after the last retired one drained; want 1", n)
	}
	if conns.gens != 4 {
		t.Fatalf("%d generations started; want 4", conns.gens)
	}
}

// Stats.Active never reads over MaxConns: a connection frees its slot only
// once it is no longer counted, so the connection the acceptor takes in
// that slot cannot be counted beside it. At every freed slot the count of
// MaxConns=1 must therefore already be 0.
func TestActiveNeverExceedsMaxConns(t *testing.T) {
	const maxConns = 1
	var over atomic.Int64 // the highest Active seen when a slot freed
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), MaxConns: maxConns}
	freed := make(chan struct{}, 64)
	s.hooks.slotFreed = func() {
		if a := s.Stats().Active; a > over.Load() {
			over.Store(a)
		}
		select {
		case freed <- struct{}{}:
		default:
		}
	}
	srv := seamtest.Start(t, s)
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", srv.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		seamtest.WantEcho(t, c, "x")
		c.Close()
		seamtest.Recv(t, freed, "the connection's slot to free")
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if o := over.Load(); o > maxConns-1 {
		t.Fatalf("a slot freed while Active was %d; the next connection would make it %d > MaxConns %d", o, o+1, maxConns)
	}
}

// When suture's Add returns the zero token because the supervisor is
// stopping, the service never started: the listener closes the connection
// itself rather than leaking it.
func TestAddToAStoppingSupervisorClosesTheConnection(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	r, err := s.newRun(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.cancelHandlers()
	stopped := func() *suture.Supervisor {
		sup := suture.New("stopped", suture.Spec{EventHook: func(suture.Event) {}})
		ctx, cancel := context.WithCancel(context.Background())
		done := sup.ServeBackground(ctx)
		cancel()
		<-done
		return sup
	}
	start := func(conns *tracker) net.Conn {
		server, client := net.Pipe()
		c := r.newConn(server)
		if v := conns.admit(c, c.client()); v != admitted {
			t.Fatalf("admission refused the connection: %v", v)
		}
		conns.start(c)
		return client
	}

	t.Run("no connection supervisor can start", func(t *testing.T) {
		conns := newTracker(r, stopped())
		before := s.Stats().ClosedAtStop
		client := start(conns)
		defer client.Close()
		expectClosed(t, client)
		if s.Stats().ClosedAtStop != before+1 || s.Stats().Active != 0 {
			t.Fatalf("stats = %+v", s.Stats())
		}
	})
	t.Run("the connection supervisor is stopping", func(t *testing.T) {
		conns := newTracker(r, stopped())
		conns.current = []*generation{{sup: stopped()}}
		before := s.Stats().ClosedAtStop
		client := start(conns)
		defer client.Close()
		expectClosed(t, client)
		if s.Stats().ClosedAtStop != before+1 || s.Stats().Active != 0 || len(conns.open) != 0 {
			t.Fatalf("stats = %+v, %d tracked", s.Stats(), len(conns.open))
		}
	})
}
