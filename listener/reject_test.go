package listener

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// busy is a Reject that answers with one line.
var busy = HandlerFunc(func(_ context.Context, c net.Conn) error {
	_, err := io.WriteString(c, "busy\n")
	return err
})

// readLine reads one line from c, failing the test if none comes; c's
// read deadline stays set for what follows.
func readLine(t *testing.T, c net.Conn) (string, *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("no line from the server: %q, %v", line, err)
	}
	return line, br
}

// expectEnd checks that after what was read, the server ends the
// connection rather than leaving it open.
func expectEnd(t *testing.T, br *bufio.Reader) {
	t.Helper()
	_, err := br.ReadByte()
	if err == nil {
		t.Fatal("more data after the answer")
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection still open after the answer: read timed out")
	}
}

// atCap serves s, a tcp Server with MaxConns 1, and fills its one slot
// with a served connection, which it returns.
func atCap(t *testing.T, s *Server) (addr net.Addr, holder net.Conn, stop func() error) {
	t.Helper()
	s.Addr, s.MaxConns = "127.0.0.1:0", 1
	if s.Handler == nil {
		s.Handler = HandlerFunc(echo)
	}
	served := seamtest.Start(t, s)
	addr, stop = served.Addr, served.Stop
	holder = seamtest.Dial(t, addr)
	seamtest.WantEcho(t, holder, "holds the only slot")
	return addr, holder, stop
}

// The default overflow policy answers a connection over MaxConns at once,
// through Reject, and closes it, over every transport; a slot freed later
// serves the next connection as usual.
func TestOverflowRejectAnswersAtTheCap(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(echo), MaxConns: 1, Reject: busy}
			tr.setup(t, s)
			freed := slotEvents(s)
			addr := seamtest.Start(t, s).Addr
			a := tr.dial(t, addr)
			seamtest.WantEcho(t, a, "a")

			b := tr.dial(t, addr)
			line, br := readLine(t, b)
			if line != "busy\n" {
				t.Fatalf("over the cap: %q; want the Reject's answer", line)
			}
			expectEnd(t, br)
			if st := s.Stats(); st.Rejected != 1 || st.Active != 1 || st.AtCap != 0 || st.MaxConns != 1 {
				t.Fatalf("stats = %+v; want 1 rejected, 1 active, MaxConns 1", st)
			}

			a.Close()
			seamtest.Recv(t, freed, "a's slot")
			seamtest.WantEcho(t, tr.dial(t, addr), "c")
		})
	}
}

// With no Reject, a connection over the cap is closed at once: the client
// learns that it will not be served instead of hanging.
func TestOverflowRejectWithoutRejectCloses(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Logger: logs.Logger()}
	addr, a, _ := atCap(t, s)
	expectClosed(t, seamtest.Dial(t, addr))
	if st := s.Stats(); st.Rejected != 1 {
		t.Fatalf("Rejected = %d; want 1", st.Rejected)
	}
	e := logs.Events("connection over the cap rejected")
	if len(e) != 1 || e[0]["max_conns"] != float64(1) || e[0]["level"] != "warn" {
		t.Fatalf("rejection log lines: %v", e)
	}
	seamtest.WantEcho(t, a, "still served")
}

// blockingReject is a Reject that reports each connection it holds and
// holds it until release is closed or the listener stops.
func blockingReject(entered chan<- net.Conn, release <-chan struct{}) Handler {
	return HandlerFunc(func(ctx context.Context, c net.Conn) error {
		entered <- c
		select {
		case <-release:
		case <-ctx.Done():
		}
		_, err := io.WriteString(c, "busy\n")
		return err
	})
}

// A Reject that takes its time (a slow client) never holds up the accept
// loop: while it runs, a freed slot is taken by the next connection.
func TestASlowRejectDoesNotStallAccepting(t *testing.T) {
	entered := make(chan net.Conn, 1)
	release := make(chan struct{})
	s := &Server{Reject: blockingReject(entered, release)}
	freed := slotEvents(s)
	addr, a, _ := atCap(t, s)
	b := seamtest.Dial(t, addr)
	<-entered // b's rejection is in flight, and stays so
	a.Close()
	seamtest.Recv(t, freed, "a's slot")
	seamtest.WantEcho(t, seamtest.Dial(t, addr), "served beside a pending rejection")
	close(release)
	if line, br := readLine(t, b); line != "busy\n" {
		t.Fatalf("b's answer: %q", line)
	} else {
		expectEnd(t, br)
	}
}

// At most maxRejecting rejections run at once; past that a connection over
// the cap is closed at once, so a flood of slow clients cannot pile up
// goroutines and descriptors.
func TestRejectionsInFlightAreBounded(t *testing.T) {
	entered := make(chan net.Conn, maxRejecting)
	release := make(chan struct{})
	s := &Server{Reject: blockingReject(entered, release)}
	addr, _, _ := atCap(t, s)
	held := make([]net.Conn, maxRejecting)
	for i := range held {
		held[i] = seamtest.Dial(t, addr)
		select {
		case <-entered:
		case <-time.After(seamtest.Wait):
			t.Fatalf("rejection %d did not start", i+1)
		}
	}
	expectClosed(t, seamtest.Dial(t, addr))
	if st := s.Stats(); st.Rejected != maxRejecting+1 {
		t.Fatalf("Rejected = %d; want %d", st.Rejected, maxRejecting+1)
	}
	close(release)
	for _, c := range held {
		if line, _ := readLine(t, c); line != "busy\n" {
			t.Fatalf("a held rejection answered %q", line)
		}
	}
}

// RejectTimeout bounds a Reject that waits on its client: the deadline ends
// its read and the connection is closed.
func TestRejectTimeoutBoundsAReject(t *testing.T) {
	readForever := HandlerFunc(func(_ context.Context, c net.Conn) error {
		_, err := io.Copy(io.Discard, c)
		return err
	})
	s := &Server{Reject: readForever, RejectTimeout: 20 * time.Millisecond}
	addr, _, _ := atCap(t, s)
	expectClosed(t, seamtest.Dial(t, addr))
}

// A stop cuts the rejections in flight short and waits for them: none
// outlives Serve (goleak checks), even with a long RejectTimeout.
func TestStopEndsRejectionsInFlight(t *testing.T) {
	entered := make(chan net.Conn, 1)
	readForever := HandlerFunc(func(_ context.Context, c net.Conn) error {
		entered <- c
		_, err := io.Copy(io.Discard, c)
		return err
	})
	s := &Server{Reject: readForever, RejectTimeout: time.Hour}
	addr, _, stop := atCap(t, s)
	b := seamtest.Dial(t, addr)
	<-entered
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, b)
}

// A panic in Reject costs only that connection: it is recovered, logged
// and counted.
func TestRejectPanicIsRecovered(t *testing.T) {
	logs := seamtest.NewLogs(t)
	bug := HandlerFunc(func(context.Context, net.Conn) error { panic("reject bug") })
	s := &Server{Reject: bug, Logger: logs.Logger()}
	addr, a, _ := atCap(t, s)
	expectClosed(t, seamtest.Dial(t, addr))
	logs.WaitFor(t, "Reject panicked")
	e := logs.Events("Reject panicked")[0]
	if e["panic"] != "reject bug" || !strings.Contains(e["stack"].(string), "TestRejectPanicIsRecovered") {
		t.Fatalf("panic log line: %v", e)
	}
	if st := s.Stats(); st.Panics != 1 {
		t.Fatalf("Panics = %d; want 1", st.Panics)
	}
	seamtest.WantEcho(t, a, "still served")
}

func TestOverflowString(t *testing.T) {
	for o, want := range map[Overflow]string{OverflowReject: "OverflowReject", OverflowBacklog: "OverflowBacklog", 9: "Overflow(9)"} {
		if have := o.String(); have != want {
			t.Errorf("%d.String() = %q; want %q", int(o), have, want)
		}
	}
}

// MaxConnsPerIP rejects a remote IP's connection past its share, with
// either overflow policy, while other IPs are served; a connection's end
// gives its share back.
func TestMaxConnsPerIP(t *testing.T) {
	for _, policy := range []Overflow{OverflowReject, OverflowBacklog} {
		t.Run(policy.String(), func(t *testing.T) {
			s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), MaxConnsPerIP: 1,
				Overflow: policy, Reject: busy}
			freed := slotEvents(s)
			addr := seamtest.Start(t, s).Addr
			from := func(ip string) net.Conn {
				t.Helper()
				d := net.Dialer{Timeout: seamtest.Wait, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
				c, err := d.Dial("tcp", addr.String())
				if err != nil {
					t.Skipf("cannot dial from %s: %v", ip, err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}
			a := from("127.0.0.1")
			seamtest.WantEcho(t, a, "a")
			if line, br := readLine(t, from("127.0.0.1")); line != "busy\n" {
				t.Fatalf("second connection from one IP: %q; want the Reject's answer", line)
			} else {
				expectEnd(t, br)
			}
			seamtest.Recv(t, freed, "the slot the rejected connection held for a moment")
			seamtest.WantEcho(t, from("127.0.0.2"), "another IP")
			if st := s.Stats(); st.Rejected != 1 || st.RejectedPerIP != 1 || st.Active != 2 {
				t.Fatalf("stats = %+v; want 1 rejected per IP, 2 active", st)
			}
			a.Close()
			seamtest.Recv(t, freed, "a's slot")
			seamtest.WantEcho(t, from("127.0.0.1"), "a's share is free again")
		})
	}
}

// A rejection frees its descriptor as soon as it has answered, without
// waiting for its client to close (the client here never does, and
// RejectTimeout is an hour), and what the client had sent before does not
// turn the close into a reset that would lose the answer: the client reads
// the answer, then the end of the stream. (Over loopback a reset does not
// overtake the answer, so the loss itself shows only on real networks.)
func TestARejectionClosesAtOnceWithoutAReset(t *testing.T) {
	for _, tr := range transports()[:2] { // tcp, unix
		t.Run(tr.name, func(t *testing.T) {
			// The answer waits until the client's request is there,
			// unread, as it is when a client writes first.
			afterRequest := HandlerFunc(func(ctx context.Context, c net.Conn) error {
				if err := WaitReadable(c); err != nil {
					return err
				}
				return busy(ctx, c)
			})
			s := &Server{Handler: HandlerFunc(echo), MaxConns: 1, Reject: afterRequest, RejectTimeout: time.Hour}
			closed := make(chan struct{}, 1)
			s.hooks.rejectionClosed = func() { closed <- struct{}{} }
			tr.setup(t, s)
			addr := seamtest.Start(t, s).Addr
			seamtest.WantEcho(t, tr.dial(t, addr), "holds the only slot")

			c := tr.dial(t, addr)
			if _, err := io.WriteString(c, "PING\r\n"); err != nil {
				t.Fatal(err)
			}
			line, br := readLine(t, c)
			if line != "busy\n" {
				t.Fatalf("over the cap: %q; want the Reject's answer", line)
			}
			if b, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("after the answer: %q, %v; want the end of the stream", b, err)
			}
			// The server has closed its socket without waiting for
			// the client to close its own.
			seamtest.Recv(t, closed, "the rejection's close while its client stays connected")
		})
	}
}
