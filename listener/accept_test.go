package listener

import (
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
)

var errInjected = errors.New("injected accept fault")

// pauseRecorder stands in for the accept backoff's sleep: it records each
// pause and returns at once, so a test sees the schedule without waiting
// it out.
type pauseRecorder struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (p *pauseRecorder) sleep(ctx context.Context, d time.Duration) bool {
	p.mu.Lock()
	p.pauses = append(p.pauses, d)
	p.mu.Unlock()
	return ctx.Err() == nil
}

func (p *pauseRecorder) list() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pauses)
}

// faultListener wraps a real listener to inject accept errors.
type faultListener struct {
	net.Listener
	broken    atomic.Bool  // set by breakNow: the next Accept fails for good
	temporary atomic.Int64 // this many Accepts fail with EMFILE first
}

func (l *faultListener) Accept() (net.Conn, error) {
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

// faultyListen returns a listen function for Server.Bind that wraps
// every listener it binds and reports each one on binds.
//
// A TCP port freed by a fault can be taken in the moment before the
// re-bind by any process on the machine that binds or dials with an
// ephemeral port, as busy test machines do; the function waits that out
// (a deployment on a fixed port outside the ephemeral range need not),
// so that the acceptor's restart is what the tests measure.
func faultyListen(binds chan<- *faultListener) func(network, address string) (net.Listener, error) {
	return func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		for deadline := time.Now().Add(waitFor); errors.Is(err, syscall.EADDRINUSE) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
			ln, err = net.Listen(network, address)
		}
		if err != nil {
			return nil, err
		}
		fl := &faultListener{Listener: ln}
		binds <- fl
		return fl, nil
	}
}

// Behaviour 5: an acceptor that fails with a non-temporary error is
// restarted by the tree, binds the same address again and accepts, while a
// connection accepted before the fault stays up.
func TestAcceptorRestartsAfterFaultAndConnectionsLive(t *testing.T) {
	for _, tr := range transports()[:2] { // tcp, unix: the socket is what re-binds
		t.Run(tr.name, func(t *testing.T) { testAcceptorRestart(t, tr) })
	}
}

func testAcceptorRestart(t *testing.T, tr transport) {
	binds := make(chan *faultListener, 4)
	var logs logBuffer
	s := &Server{Handler: HandlerFunc(echo), Logger: logs.logger()}
	tr.setup(t, s)
	s.Bind = faultyListen(binds)
	addr, _ := serve(t, s)
	first := <-binds

	live, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	mustEcho(t, live, "before")

	first.breakNow()
	select {
	case again := <-binds:
		if again.Addr().String() != addr.String() {
			t.Fatalf("rebound to %v; want the same address %v", again.Addr(), addr)
		}
	case <-time.After(waitFor):
		t.Fatalf("the acceptor was not restarted; logs: %v", logs.entries(t, ""))
	}
	mustEcho(t, live, "during")

	fresh, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
	defer fresh.Close()
	mustEcho(t, fresh, "after")
	mustEcho(t, live, "still")
	if st := s.Stats(); st.AcceptorRestarts != 1 {
		t.Fatalf("AcceptorRestarts = %d; want 1; logs: %v", st.AcceptorRestarts, logs.entries(t, ""))
	}
	if len(logs.entries(t, "")) == 0 {
		t.Fatal("the acceptor's failure was not logged")
	}
}

// Behaviour 6: temporary accept errors back off from the minimum doubling
// to the maximum, never spin, and log a few lines per burst.
func TestTemporaryErrorsBackOff(t *testing.T) {
	const burst = 12
	binds := make(chan *faultListener, 1)
	var logs logBuffer
	var pauses pauseRecorder
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Logger: logs.logger()}
	s.Bind = func(network, address string) (net.Listener, error) {
		ln, err := faultyListen(binds)(network, address)
		if err == nil {
			ln.(*faultListener).temporary.Store(burst)
		}
		return ln, err
	}
	s.sleep = pauses.sleep
	addr, _ := serve(t, s)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustEcho(t, c, "through")

	ms := time.Millisecond
	want := []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second, time.Second, time.Second}
	if have := pauses.list(); !slices.Equal(have, want) {
		t.Fatalf("backoff pauses = %v; want %v", have, want)
	}
	if st := s.Stats(); st.TemporaryErrors != burst || st.AcceptorRestarts != 0 {
		t.Fatalf("stats = %+v; want %d temporary errors and no restart", st, burst)
	}
	if n := len(logs.entries(t, "temporary accept error")); n == 0 || n > 4 {
		t.Fatalf("%d log lines for a burst of %d errors; want 1 to 4", n, burst)
	}
	if len(logs.entries(t, "accepting again")) != 1 {
		t.Fatal("the end of the burst was not logged")
	}
}

// The default pause really waits: with three temporary errors the accept
// loop cannot answer before 5+10+20 ms have passed. Only a lower bound is
// checked, which no slow machine can break.
func TestTemporaryErrorsReallyPause(t *testing.T) {
	binds := make(chan *faultListener, 1)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	s.Bind = func(network, address string) (net.Listener, error) {
		ln, err := faultyListen(binds)(network, address)
		if err == nil {
			ln.(*faultListener).temporary.Store(3)
		}
		return ln, err
	}
	start := time.Now()
	addr, _ := serve(t, s)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustEcho(t, c, "late")
	if elapsed := time.Since(start); elapsed < 35*time.Millisecond {
		t.Fatalf("served after %v; three backoff pauses take at least 35ms", elapsed)
	}
}

// A stop during a backoff pause is not delayed by it.
func TestStopDuringBackoff(t *testing.T) {
	binds := make(chan *faultListener, 1)
	paused := make(chan struct{})
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), AcceptBackoffMin: time.Hour, AcceptBackoffMax: time.Hour}
	s.Bind = func(network, address string) (net.Listener, error) {
		ln, err := faultyListen(binds)(network, address)
		if err == nil {
			ln.(*faultListener).temporary.Store(1)
		}
		return ln, err
	}
	s.sleep = func(ctx context.Context, d time.Duration) bool {
		close(paused)
		return sleepCtx(ctx, d)
	}
	_, stop := serve(t, s)
	<-paused
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Behaviour 7: at MaxConns the acceptor stops accepting; the kernel queues
// the next connection, which is served as soon as a slot frees.
func TestMaxConnsWaitsForASlot(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), MaxConns: 2}
	addr, _ := serve(t, s)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := dial(), dial()
	mustEcho(t, a, "a")
	mustEcho(t, b, "b")

	queued := dial() // completes in the kernel's backlog
	eventually(t, "the acceptor to wait at the cap", func() bool { return s.Stats().AtCap > 0 })
	queued.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := queued.Write([]byte("q\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := queued.Read(make([]byte, 8)); err == nil {
		t.Fatalf("a connection over the cap was served (%d bytes)", n)
	}
	if st := s.Stats(); st.Accepted != 2 || st.Active != 2 {
		t.Fatalf("stats at the cap = %+v; want 2 accepted, 2 active", st)
	}

	a.Close()
	queued.SetReadDeadline(time.Now().Add(waitFor))
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
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), MaxConns: 1}
	addr, stop := serve(t, s)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustEcho(t, c, "x")
	eventually(t, "the acceptor to wait at the cap", func() bool { return s.Stats().AtCap > 0 })
	if err := stop(); err != nil {
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
	var pauses pauseRecorder
	bindReal := faultyListen(binds)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	s.Bind = func(network, address string) (net.Listener, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 2 || n == 3 {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
		}
		return bindReal(network, address)
	}
	s.sleep = pauses.sleep
	addr, _ := serve(t, s)
	(<-binds).breakNow()
	select {
	case <-binds:
	case <-time.After(waitFor):
		t.Fatal("the acceptor did not bind again")
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustEcho(t, c, "back")
	mu.Lock()
	defer mu.Unlock()
	delays := pauses.list()
	if calls != 4 || !slices.Equal(delays, []time.Duration{5 * time.Millisecond, 10 * time.Millisecond}) {
		t.Fatalf("%d binds with pauses %v; want 4 binds with pauses [5ms 10ms]", calls, delays)
	}
	if st := s.Stats(); st.AcceptorRestarts != 1 {
		t.Fatalf("AcceptorRestarts = %d; want 1", st.AcceptorRestarts)
	}
}
