package seamtest_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// upper answers one line in upper case, then closes.
var upper = listener.HandlerFunc(func(ctx context.Context, c net.Conn) error {
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	b := []byte(line)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
	}
	_, err = c.Write(b)
	return err
})

func TestStartDialOverTLS(t *testing.T) {
	server, client := seamtest.TLS(t)
	logs := seamtest.NewLogs(t)
	srv := seamtest.Start(t, &listener.Server{Addr: "127.0.0.1:0", Handler: upper, TLSConfig: server, Logger: logs.Logger()})
	c := tls.Client(seamtest.Dial(t, srv.Addr), client)
	io.WriteString(c, "hello\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "HELLO\n" {
		t.Fatalf("reply %q, %v", line, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if ev := logs.WaitFor(t, "stopped"); ev["level"] != "info" {
		t.Fatalf("stop logged as %v", ev)
	}
	if len(logs.Events("listening")) != 1 {
		t.Fatalf("events: %v", logs.Events(""))
	}
}

// flaky fails its first Serve; under Supervise it is restarted.
type flaky struct {
	serves atomic.Int32
	second chan struct{}
}

func (f *flaky) Serve(ctx context.Context) error {
	if f.serves.Add(1) == 1 {
		return errors.New("first run fails")
	}
	close(f.second)
	<-ctx.Done()
	return nil
}

func TestSuperviseRestarts(t *testing.T) {
	f := &flaky{second: make(chan struct{})}
	s := seamtest.Supervise(t, f)
	seamtest.Recv(t, f.second, "the restart")
	seamtest.Eventually(t, "two serves", func() bool { return f.serves.Load() == 2 })
	s.Stop()
}

// failing returns its error at once, as a service whose start fails does.
type failing struct{ err error }

func (f failing) Serve(context.Context) error { return f.err }

func TestGoWaitsForAServeThatReturnsByItself(t *testing.T) {
	want := errors.New("no start")
	s := seamtest.Go(t, failing{want})
	if err := s.Wait(t); err != want {
		t.Fatalf("Wait = %v, want %v", err, want)
	}
	seamtest.Recv(t, s.Done(), "Done to be closed")
	if err := s.Stop(); err != want {
		t.Fatalf("Stop after the return = %v, want %v", err, want)
	}
}

func TestGoDoesNotWaitForReady(t *testing.T) {
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: upper}
	s := seamtest.Go(t, srv)
	if s.Addr != nil {
		t.Fatalf("Addr = %v before the wait for Ready", s.Addr)
	}
	seamtest.Recv(t, srv.Ready(), "the listener to be ready")
	select {
	case <-s.Done():
		t.Fatal("Done closed while Serve runs")
	default:
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	seamtest.Recv(t, s.Done(), "Done to be closed after Stop")
}

func TestStopFromAnotherGoroutine(t *testing.T) {
	s := seamtest.Start(t, &listener.Server{Addr: "127.0.0.1:0", Handler: upper})
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	seamtest.RecvNil(t, stopped, "the stop")
	if err := s.Stop(); err != nil {
		t.Fatalf("a second Stop: %v", err)
	}
}

// A suture.Supervisor is running once Start returns: a call that needs its
// loop, such as Services, sees the services it was given.
func TestStartSupervisorIsRunning(t *testing.T) {
	sup := suture.NewSimple("tree")
	f := &flaky{second: make(chan struct{})}
	f.serves.Store(1) // past its failing first run
	sup.Add(f)
	seamtest.Start(t, sup)
	if have := len(sup.Services()); have != 1 {
		t.Fatalf("Services() = %d services, want 1", have)
	}
	seamtest.Recv(t, f.second, "the service to run")
}

// held returns once its ctx has ended and the test has let it go.
type held struct{ release chan struct{} }

func (h held) Serve(ctx context.Context) error {
	<-ctx.Done()
	<-h.release
	return ctx.Err()
}

func TestCancelThenWait(t *testing.T) {
	h := held{release: make(chan struct{})}
	s := seamtest.Go(t, h)
	s.Cancel()
	close(h.release)
	if err := s.Wait(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after Cancel = %v, want context.Canceled", err)
	}
}

// Echo answers each line, and returns once its ctx ends even while it
// waits for the next line.
func TestEchoReturnsWhenCtxEnds(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- seamtest.Echo(ctx, server) }()
	io.WriteString(client, "ping\n")
	if line, err := bufio.NewReader(client).ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("reply %q, %v", line, err)
	}
	cancel()
	if err := seamtest.Recv(t, done, "Echo to return after its ctx ended"); err == nil {
		t.Fatal("Echo returned nil; want the error of the read cut short")
	}
}

// WantEcho passes, again and again on one connection, while Echo
// answers, and fails on another answer.
func TestWantEcho(t *testing.T) {
	echo := seamtest.Dial(t, seamtest.Start(t, &listener.Server{Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(seamtest.Echo)}).Addr)
	for _, line := range []string{"one", "two"} {
		if have := reported(func(tb testing.TB) { seamtest.WantEcho(tb, echo, line) }); have != "" {
			t.Fatalf("WantEcho of %q failed against Echo: %s", line, have)
		}
	}
	other := seamtest.Dial(t, seamtest.Start(t, &listener.Server{Addr: "127.0.0.1:0", Handler: upper}).Addr)
	have := reported(func(tb testing.TB) { seamtest.WantEcho(tb, other, "one") })
	if want := `seamtest: echo of "one": have "ONE\n", <nil>`; have != want {
		t.Fatalf("WantEcho against another answer reported %q, want %q", have, want)
	}
}

// fatalRecorder stands for a test in a test of the helpers: it keeps what
// the helper reports through Fatalf and ends the helper's goroutine, as
// testing.T does.
type fatalRecorder struct {
	testing.TB
	failed chan string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failed <- fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// reported runs helper on a goroutine of its own, as Fatalf must end it,
// and returns what it reported, or "" if it passed.
func reported(helper func(testing.TB)) string {
	rec := &fatalRecorder{failed: make(chan string, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(rec)
	}()
	<-done
	select {
	case msg := <-rec.failed:
		return msg
	default:
		return ""
	}
}

func TestRecvNilPassesNilAndFailsOnAnError(t *testing.T) {
	c := make(chan error, 2)
	c <- nil
	c <- errors.New("boom")
	recvNil := func(what string) string {
		return reported(func(tb testing.TB) { seamtest.RecvNil(tb, c, what) })
	}
	if have := recvNil("the first call to return"); have != "" {
		t.Fatalf("RecvNil failed on nil: %q", have)
	}
	if have, want := recvNil("the second call to return"), "the second call to return: boom"; have != want {
		t.Fatalf("RecvNil on an error reported %q, want %q", have, want)
	}
}

// FreeAddr's port is free once it returns: a listener can bind it.
func TestFreeAddrCanBeBound(t *testing.T) {
	addr := seamtest.FreeAddr(t)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("bind %s: %v", addr, err)
	}
	ln.Close()
}
