package listener

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// send writes line to c without waiting for an answer: into the kernel's
// buffers, for a connection that is not served yet.
func send(t *testing.T, c net.Conn, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
}

// answer reads the reply to what send wrote.
func answer(t *testing.T, c net.Conn, want string) {
	t.Helper()
	have, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSuffix(have, "\n") != want {
		t.Fatalf("answer: have %q, %v; want %q", have, err, want)
	}
}

// wantNothingAccepted checks, once an open connection's round trip has
// been served after waiting's connect succeeded, that the acceptor has
// taken nothing since accepted was read: what a suspended listener shows
// when it leaves new clients in the backlog.
func wantNothingAccepted(t *testing.T, s *Server, open net.Conn, accepted uint64) {
	t.Helper()
	seamtest.WantEcho(t, open, "while suspended")
	if st := s.Stats(); st.Accepted != accepted || st.Suspended != 1 {
		t.Fatalf("suspended: Accepted %d (want %d), Suspended %d (want 1)", st.Accepted, accepted, st.Suspended)
	}
}

// A client that connects while the listener is suspended completes its
// connect into the backlog, is not accepted, and is served after Resume
// with no error; a connection open before the Suspend is served all
// along. The acceptor is blocked in Accept when Suspend comes: the
// deadline cuts it short, or it would take the waiting client.
func TestSuspendQueuesResumeServes(t *testing.T) {
	for _, tr := range transports()[:2] { // tcp, unix: a TLS dial would wait for its handshake
		t.Run(tr.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(echo)}
			tr.setup(t, s)
			addr := seamtest.Start(t, s).Addr
			open := tr.dial(t, addr)
			seamtest.WantEcho(t, open, "before")

			if !s.Suspend() || s.Suspend() {
				t.Fatal("Suspend: want true, then false when suspended already")
			}
			if !s.Suspended() {
				t.Fatal("Suspended() = false after Suspend")
			}
			accepted := s.Stats().Accepted
			waiting := tr.dial(t, addr) // its connect succeeds: the socket is bound
			send(t, waiting, "queued")
			wantNothingAccepted(t, s, open, accepted)

			if !s.Resume() || s.Resume() {
				t.Fatal("Resume: want true, then false when accepting already")
			}
			answer(t, waiting, "queued")
			seamtest.WantEcho(t, open, "after")
			if st := s.Stats(); st.Accepted != accepted+1 || st.Suspended != 0 {
				t.Fatalf("resumed: Accepted %d (want %d), Suspended %d (want 0)", st.Accepted, accepted+1, st.Suspended)
			}
		})
	}
}

// A stop while suspended is the usual graceful stop: Serve returns, open
// connections are closed, and a client left in the backlog is taken from
// it and served within the drain (takeQueued), then closed, never reset.
func TestStopWhileSuspended(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	served := seamtest.Start(t, s)
	open := seamtest.Dial(t, served.Addr)
	seamtest.WantEcho(t, open, "before")
	s.Suspend()
	waiting := seamtest.Dial(t, served.Addr)
	send(t, waiting, "queued")

	if err := served.Stop(); err != nil {
		t.Fatalf("Serve after a stop while suspended: %v", err)
	}
	expectClosed(t, open)
	expectServedOrClosed(t, waiting, "queued\n")
	if st := s.Stats(); st.Accepted != 2 || st.Suspended != 1 {
		t.Fatalf("after the stop: Accepted %d (want 2: the queued client was taken), Suspended %d (want 1: the Server's state)", st.Accepted, st.Suspended)
	}
}

// An acceptor restarted after a fault stays suspended: the state is the
// Server's, not the acceptor's. The Suspend comes while the acceptor
// binds again.
func TestAcceptorRestartKeepsSuspended(t *testing.T) {
	binds := make(chan *faultListener, 2)
	rebinding, bound := make(chan struct{}), make(chan struct{})
	listen := faultyListen(binds)
	calls := 0
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	s.Bind = func(network, address string) (net.Listener, error) {
		if calls++; calls > 1 {
			close(rebinding)
			<-bound
		}
		return listen(network, address)
	}
	addr := seamtest.Start(t, s).Addr
	first := <-binds
	open := seamtest.Dial(t, addr)
	seamtest.WantEcho(t, open, "before")

	first.breakNow()
	seamtest.Recv(t, rebinding, "the restarted acceptor to bind again")
	s.Suspend()
	close(bound)
	<-binds
	accepted := s.Stats().Accepted
	waiting := seamtest.Dial(t, addr)
	send(t, waiting, "queued")
	wantNothingAccepted(t, s, open, accepted)
	if st := s.Stats(); st.AcceptorRestarts != 1 {
		t.Fatalf("AcceptorRestarts = %d, want 1", st.AcceptorRestarts)
	}

	s.Resume()
	answer(t, waiting, "queued")
}

// A Server suspended before Serve binds, is Ready, and accepts nothing
// until Resume: a later Serve keeps what an operator asked for.
func TestSuspendedBeforeServe(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	s.Suspend()
	addr := seamtest.Start(t, s).Addr
	if w := s.LiveWork(); len(w) != 1 || w[0] != "acceptor (suspended)" {
		t.Errorf("LiveWork while suspended = %q, want the acceptor marked suspended", w)
	}
	waiting := seamtest.Dial(t, addr)
	send(t, waiting, "queued")
	if st := s.Stats(); st.Accepted != 0 || st.Suspended != 1 {
		t.Fatalf("suspended: Accepted %d (want 0), Suspended %d (want 1)", st.Accepted, st.Suspended)
	}
	s.Resume()
	answer(t, waiting, "queued")
}

// hiddenSocket wraps a socket and hides its SetDeadline, as a Bind's
// wrapper may: Suspend cannot cut its Accept short.
type hiddenSocket struct{ net.Listener }

// On a socket whose Accept cannot be cut short, the one connection that
// the Accept in progress returns after a Suspend waits, accepted but
// unserved, until Resume, and is then served.
func TestSuspendHoldsWhatAnAcceptInProgressReturns(t *testing.T) {
	held := make(chan struct{}, 1)
	entered := make(chan struct{}, 1)
	s := &Server{
		Addr: "127.0.0.1:0",
		Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
			entered <- struct{}{}
			return echo(ctx, c)
		}),
		Bind: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			return hiddenSocket{ln}, err
		},
	}
	s.hooks.held = func() { held <- struct{}{} }
	addr := seamtest.Start(t, s).Addr
	s.Suspend()
	waiting := seamtest.Dial(t, addr)
	send(t, waiting, "queued")
	seamtest.Recv(t, held, "the connection to be held")
	if len(entered) != 0 {
		t.Fatal("a held connection reached the handler while suspended")
	}
	s.Resume()
	answer(t, waiting, "queued")
}

// A stop while a connection is held closes it, unserved, and counts it.
func TestStopClosesAHeldConnection(t *testing.T) {
	held := make(chan struct{}, 1)
	s := &Server{
		Addr:    "127.0.0.1:0",
		Handler: HandlerFunc(echo),
		Bind: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			return hiddenSocket{ln}, err
		},
	}
	s.hooks.held = func() { held <- struct{}{} }
	served := seamtest.Start(t, s)
	s.Suspend()
	waiting := seamtest.Dial(t, served.Addr)
	seamtest.Recv(t, held, "the connection to be held")
	if err := served.Stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	expectClosed(t, waiting)
	if st := s.Stats(); st.ClosedAtStop != 1 {
		t.Fatalf("ClosedAtStop = %d, want 1", st.ClosedAtStop)
	}
}

// Suspend and Resume from many goroutines at once, while clients
// connect, leave a consistent state: once the last call is a Resume,
// every client is served.
func TestSuspendResumeFromAnyGoroutine(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	addr := seamtest.Start(t, s).Addr
	const clients, togglers = 16, 4
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = seamtest.Dial(t, addr)
	}
	var wg sync.WaitGroup
	for range togglers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				s.Suspend()
				s.Resume()
			}
		}()
	}
	for i, c := range conns {
		send(t, c, strings.Repeat("x", i+1))
	}
	wg.Wait()
	if s.Suspended() {
		t.Fatal("suspended after every Suspend was followed by a Resume")
	}
	for i, c := range conns {
		answer(t, c, strings.Repeat("x", i+1))
	}
	if st := s.Stats(); st.Accepted != clients || st.TemporaryErrors != 0 {
		t.Fatalf("Accepted %d (want %d), TemporaryErrors %d (want 0: a cut Accept is no error)", st.Accepted, clients, st.TemporaryErrors)
	}
}

// The connections that the kernel queued before a stop are taken from the
// queue and served within the drain, not reset by the socket's close: a
// balancer that dispatched a request just before it marked the instance
// down gets its reply. The handler here ignores its ctx, so a client it
// was given is answered; without the taking, each client reads a reset.
func TestStopServesWhatTheKernelQueued(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(func(_ context.Context, c net.Conn) error {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		_, err = c.Write([]byte(line))
		return err
	})}
	served := seamtest.Start(t, s)
	s.Suspend() // so that the clients below wait in the accept queue
	var queued []net.Conn
	for i := range 3 {
		c := seamtest.Dial(t, served.Addr)
		send(t, c, fmt.Sprintf("queued %d", i))
		queued = append(queued, c)
	}
	if err := served.Stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	for i, c := range queued {
		line, err := bufio.NewReader(c).ReadString('\n')
		if want := fmt.Sprintf("queued %d\n", i); err != nil || line != want {
			t.Errorf("client %d read %q, %v; want %q", i, line, err, want)
		}
	}
	if st := s.Stats(); st.Accepted != 3 {
		t.Errorf("Accepted %d, want the 3 queued clients", st.Accepted)
	}
}
