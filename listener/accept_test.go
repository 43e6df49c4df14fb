package listener

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/internal/pause"
	"github.com/seamgo/seam/listener/seamtest"
)

var errInjected = errors.New("injected accept fault")

// faultListener wraps a real listener to inject accept errors.
type faultListener struct {
	net.Listener
	broken    atomic.Bool  // set by breakNow: the next Accept fails for good
	temporary atomic.Int64 // this many Accepts fail with EMFILE first
	failCall  atomic.Int64 // the Accept call, counted from 1, that fails with EMFILE; 0: none
	calls     atomic.Int64
}

func (l *faultListener) Accept() (net.Conn, error) {
	if n := l.calls.Add(1); n == l.failCall.Load() {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	if l.temporary.Load() > 0 {
		l.temporary.Add(-1)
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	c, err := l.Listener.Accept()
	if l.broken.Load() {
		if c != nil {
			c.Close()
		}
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: errInjected}
	}
	return c, err
}

// breakNow makes the socket fail the way a broken one does: the pending
// Accept returns a non-temporary error.
func (l *faultListener) breakNow() {
	l.broken.Store(true)
	l.Listener.Close()
}

// keptListener is a socket that outlives the listeners wrapping it: Close
// only cuts a pending Accept short (with a deadline), so that a later bind
// can serve the same socket again.
type keptListener struct{ net.Listener }

func (k keptListener) Close() error {
	return k.Listener.(*net.TCPListener).SetDeadline(time.Now())
}

// faultyListen returns a bind function for Server.Bind that wraps every
// listener it binds and reports each one on binds. (A TCP port freed by a
// fault can be taken for a moment by another socket that binds or dials
// with an ephemeral port; the acceptor's rebind waits that out, as it
// would in production.)
func faultyListen(binds chan<- *faultListener) func(network, address string) (net.Listener, error) {
	return func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		fl := &faultListener{Listener: ln}
		binds <- fl
		return fl, nil
	}
}

// temporaryFirst is faultyListen with listeners whose first n Accepts
// fail with a temporary error (EMFILE).
func temporaryFirst(binds chan<- *faultListener, n int64) func(network, address string) (net.Listener, error) {
	listen := faultyListen(binds)
	return func(network, address string) (net.Listener, error) {
		ln, err := listen(network, address)
		if err == nil {
			ln.(*faultListener).temporary.Store(n)
		}
		return ln, err
	}
}

// An acceptor that fails with a non-temporary error is
// restarted by the tree, binds the same address again and accepts, while a
// connection accepted before the fault stays up.
func TestAcceptorRestartsAfterFaultAndConnectionsLive(t *testing.T) {
	for _, tr := range transports()[:2] { // tcp, unix: the socket is what re-binds
		t.Run(tr.name, func(t *testing.T) { testAcceptorRestart(t, tr) })
	}
}

func testAcceptorRestart(t *testing.T, tr transport) {
	binds := make(chan *faultListener, 4)
	logs := seamtest.NewLogs(t)
	s := &Server{Handler: HandlerFunc(echo), Logger: logs.Logger()}
	tr.setup(t, s)
	s.Bind = faultyListen(binds)
	addr := seamtest.Start(t, s).Addr
	first := <-binds

	live, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	seamtest.WantEcho(t, live, "before")

	first.breakNow()
	again := seamtest.Recv(t, binds, "the acceptor to be restarted")
	if again.Addr().String() != addr.String() {
		t.Fatalf("rebound to %v; want the same address %v", again.Addr(), addr)
	}
	seamtest.WantEcho(t, live, "during")

	fresh, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
	defer fresh.Close()
	seamtest.WantEcho(t, fresh, "after")
	seamtest.WantEcho(t, live, "still")
	if st := s.Stats(); st.AcceptorRestarts != 1 {
		t.Fatalf("AcceptorRestarts = %d; want 1; logs: %v", st.AcceptorRestarts, logs.Events(""))
	}
	if len(logs.Events("")) == 0 {
		t.Fatal("the acceptor's failure was not logged")
	}
}

// Temporary accept errors back off from the minimum doubling
// to the maximum, never spin, and log a few lines per burst.
func TestTemporaryErrorsBackOff(t *testing.T) {
	const burst = 12
	binds := make(chan *faultListener, 1)
	logs := seamtest.NewLogs(t)
	var pauses seamtest.Pauses
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Logger: logs.Logger()}
	s.Bind = temporaryFirst(binds, burst)
	s.hooks.sleep = func(ctx context.Context, d time.Duration, _ <-chan struct{}) bool { return pauses.Sleep(ctx, d) }
	addr := seamtest.Start(t, s).Addr
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seamtest.WantEcho(t, c, "through")

	ms := time.Millisecond
	want := []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second, time.Second, time.Second}
	if have := pauses.List(); !slices.Equal(have, want) {
		t.Fatalf("backoff pauses = %v; want %v", have, want)
	}
	if st := s.Stats(); st.TemporaryErrors != burst || st.AcceptorRestarts != 0 {
		t.Fatalf("stats = %+v; want %d temporary errors and no restart", st, burst)
	}
	evs := logs.Events("temporary accept error")
	if n := len(evs); n == 0 || n > 4 {
		t.Fatalf("%d log lines for a burst of %d errors; want 1 to 4", n, burst)
	}
	if have := evs[0]["backoff"]; have != "5ms" {
		t.Errorf("first backoff logged as %v; want \"5ms\", with its unit", have)
	}
	if len(logs.Events("accepting again")) != 1 {
		t.Fatal("the end of the burst was not logged")
	}
}

// The accept loop really pauses: after a temporary error it calls Accept
// again only once the pause has ended, so a connection waiting in the
// backlog is served after the third pause and not before.
func TestTemporaryErrorsReallyPause(t *testing.T) {
	binds := make(chan *faultListener, 1)
	events := make(chan string, 8)
	proceed := make(chan bool)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
		events <- "served"
		return echo(ctx, c)
	})}
	s.Bind = temporaryFirst(binds, 3)
	s.hooks.sleep = func(ctx context.Context, d time.Duration, _ <-chan struct{}) bool {
		events <- "pause " + d.String()
		select {
		case <-proceed:
			return true
		case <-ctx.Done():
			return false
		}
	}
	seamtest.Go(t, s)

	next := func() string {
		t.Helper()
		return seamtest.Recv(t, events, "the next event")
	}
	if e := next(); e != "pause 5ms" {
		t.Fatalf("first event %q; want pause 5ms", e)
	}
	// The acceptor is paused; a client connects meanwhile.
	c := seamtest.Dial(t, s.BoundAddr())
	proceed <- true
	for _, want := range []string{"pause 10ms", "pause 20ms"} {
		if e := next(); e != want {
			t.Fatalf("event %q; want %q", e, want)
		}
		proceed <- true
	}
	if e := next(); e != "served" {
		t.Fatalf("event %q; want the connection served after the last pause", e)
	}
	seamtest.WantEcho(t, c, "late")
}

// Production's seams are set where a test sets none: the accept backoff
// pauses with pause.Until (tested in its package), and so on.
func TestHooksResolveToProduction(t *testing.T) {
	h := hooks{}.resolve()
	if h.sleep == nil || h.now == nil || h.nofile == nil || h.retireAfter != defaultRetireAfter || h.shards < 1 {
		t.Fatalf("resolve left a seam unset: %+v", h)
	}
}

// A stop during a backoff pause is not delayed by it.
func TestStopDuringBackoff(t *testing.T) {
	binds := make(chan *faultListener, 1)
	paused := make(chan struct{})
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), AcceptBackoffMin: time.Hour, AcceptBackoffMax: time.Hour}
	s.Bind = temporaryFirst(binds, 1)
	s.hooks.sleep = func(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
		close(paused)
		return pause.Until(ctx, d, wake)
	}
	srv := seamtest.Start(t, s)
	<-paused
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// At MaxConns, with OverflowBacklog, the acceptor stops
// accepting; the kernel queues the next connection, which is served as
// soon as a slot frees.
func TestMaxConnsWaitsForASlot(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Overflow: OverflowBacklog, MaxConns: 2, Logger: logs.Logger()}
	addr := seamtest.Start(t, s).Addr
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := dial(), dial()
	seamtest.WantEcho(t, a, "a")
	seamtest.WantEcho(t, b, "b")

	queued := dial() // completes in the kernel's backlog
	if _, err := queued.Write([]byte("q\n")); err != nil {
		t.Fatal(err)
	}
	// The acceptor counts that it waits at the cap before it would call
	// Accept: from then on, until a slot frees, nothing is accepted.
	seamtest.Eventually(t, "the acceptor to wait at the cap", func() bool { return s.Stats().AtCap == 1 })
	if st := s.Stats(); st.Accepted != 2 || st.Active != 2 || st.AtCap != 1 {
		t.Fatalf("stats at the cap = %+v; want 2 accepted, 2 active, at the cap once", st)
	}

	a.Close()
	queued.SetReadDeadline(time.Now().Add(seamtest.Wait))
	buf := make([]byte, 2)
	if _, err := queued.Read(buf); err != nil || string(buf) != "q\n" {
		t.Fatalf("the queued connection was not served after a slot freed: %q, %v", buf, err)
	}
	if st := s.Stats(); st.Accepted != 3 {
		t.Fatalf("Accepted = %d; want 3", st.Accepted)
	}
}

// A stop while the acceptor waits at the cap is not held up by it.
func TestStopAtTheCap(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Overflow: OverflowBacklog, MaxConns: 1, Logger: logs.Logger()}
	srv := seamtest.Start(t, s)
	c := seamtest.Dial(t, srv.Addr)
	seamtest.WantEcho(t, c, "x")
	seamtest.Eventually(t, "the acceptor to wait at the cap", func() bool { return s.Stats().AtCap == 1 })
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// After a fault, the freed port may be held for a moment by someone else:
// the restarted acceptor waits that out with the accept backoff instead of
// failing again and spending its supervisor's restart intensity.
func TestRebindWaitsOutAddressInUse(t *testing.T) {
	binds := make(chan *faultListener, 2)
	var mu sync.Mutex
	var calls int
	var pauses seamtest.Pauses
	// One socket serves before and after the fault, so that the test does
	// not depend on a freed port staying free: the pauses here do not
	// sleep, so the real rebind could not wait out another process taking
	// it, and under load one did.
	real, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { real.Close() })
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	s.Bind = func(network, address string) (net.Listener, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 2 || n == 3 {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
		}
		real.(*net.TCPListener).SetDeadline(time.Time{})
		fl := &faultListener{Listener: keptListener{real}}
		binds <- fl
		return fl, nil
	}
	s.hooks.sleep = func(ctx context.Context, d time.Duration, _ <-chan struct{}) bool { return pauses.Sleep(ctx, d) }
	addr := seamtest.Start(t, s).Addr
	(<-binds).breakNow()
	seamtest.Recv(t, binds, "the acceptor to bind again")
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seamtest.WantEcho(t, c, "back")
	mu.Lock()
	defer mu.Unlock()
	delays := pauses.List()
	if calls != 4 || !slices.Equal(delays, []time.Duration{5 * time.Millisecond, 10 * time.Millisecond}) {
		t.Fatalf("%d binds with pauses %v; want 4 binds with pauses [5ms 10ms]", calls, delays)
	}
	if st := s.Stats(); st.AcceptorRestarts != 1 {
		t.Fatalf("AcceptorRestarts = %d; want 1", st.AcceptorRestarts)
	}
}

// An acceptor pausing after EMFILE accepts again as soon as one of its
// own connections ends and frees a descriptor, not at the end of its
// pause: at an open-file limit the clients queued meanwhile are answered
// at once. The pause here is an hour: without the wake, the second
// client would never be served within the test's wait.
func TestAcceptorWakesWhenADescriptorIsFreed(t *testing.T) {
	binds := make(chan *faultListener, 1)
	served := make(chan struct{}, 3)
	s := &Server{Addr: "127.0.0.1:0", AcceptBackoffMin: time.Hour, AcceptBackoffMax: time.Hour,
		Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
			served <- struct{}{}
			return echo(ctx, c)
		})}
	s.Bind = func(network, address string) (net.Listener, error) {
		ln, err := faultyListen(binds)(network, address)
		if err == nil {
			ln.(*faultListener).failCall.Store(2)
		}
		return ln, err
	}
	addr := seamtest.Start(t, s).Addr
	<-binds

	first := seamtest.Dial(t, addr)
	seamtest.Recv(t, served, "the first client to be served")
	// The Accept after the first fails with EMFILE, whenever the
	// acceptor calls it: the acceptor pauses for an hour.
	seamtest.Eventually(t, "the acceptor to pause after EMFILE", func() bool { return s.Stats().TemporaryErrors == 1 })
	second := seamtest.Dial(t, addr) // queued in the backlog
	first.Close()                    // its handler returns, and its descriptor is freed
	seamtest.Recv(t, served, "the second client to be served once a descriptor was freed")
	if _, err := second.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(second).ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("second client read %q, %v", line, err)
	}
}
