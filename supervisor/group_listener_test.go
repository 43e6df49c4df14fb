package supervisor_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/supervisor"
)

// These tests run Groups over a real listener and real sockets.

// echo answers each line with itself until the peer leaves or ctx ends.
var echo = listener.HandlerFunc(seamtest.Echo)

// runTree runs root under supervisor.Run until the test cancels it, and
// returns once Run reports the tree ready. It sets cfg.OnReady.
func runTree(t *testing.T, root suture.Service, cfg supervisor.RunConfig) (cancel func(), done <-chan error) {
	t.Helper()
	ready := make(chan struct{})
	cfg.OnReady = func() { close(ready) }
	ctx, cancelRun := context.WithCancel(context.Background())
	c := make(chan error, 1)
	go func() { c <- supervisor.Run(ctx, root, cfg) }()
	t.Cleanup(func() {
		cancelRun()
		select {
		case <-c:
		default: // the test read it
		}
	})
	seamtest.Recv(t, ready, "the tree to be ready")
	return cancelRun, c
}

// A one-for-one restart of a worker leaves the listener beside it, and its
// live connections, untouched.
func TestGroupSiblingRestartKeepsConnections(t *testing.T) {
	ln := &listener.Server{Name: "echo", Addr: "127.0.0.1:0", Handler: echo}
	starts := make(chan struct{}, 10)
	fail := make(chan struct{})
	worker := services.Func("worker", func(ctx context.Context) error {
		starts <- struct{}{}
		select {
		case <-fail:
			return errors.New("worker broke")
		case <-ctx.Done():
			return nil
		}
	})
	g := &supervisor.Group{Name: "app", Services: []suture.Service{ln, worker}}
	cancel, done := runTree(t, g, supervisor.RunConfig{})
	seamtest.Recv(t, starts, "the worker to start")

	c := seamtest.Dial(t, ln.BoundAddr())
	seamtest.WantEcho(t, c, "before")
	close(fail)
	seamtest.Recv(t, starts, "the worker to restart")
	seamtest.WantEcho(t, c, "after")
	if have := ln.Stats().Accepted; have != 1 {
		t.Fatalf("accepted %d connections, want the one that lived on", have)
	}
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
}

// A handler that ignores its ctx and, once its connection is closed by
// force, stays stuck: with a 2s budget the connection is force-closed
// within it, and Run names the stuck connection. The report says the
// service was abandoned, not that Run's own deadline passed, so the group
// had returned within the budget.
func TestRunStopBudgetNamesStuckConnection(t *testing.T) {
	entered := make(chan string, 1)
	release := make(chan struct{})
	stuck := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		entered <- conn.RemoteAddr().String()
		_, err := io.Copy(io.Discard, conn) // returns once closed by force
		<-release
		return err
	})
	ln := &listener.Server{Name: "stuck", Addr: "127.0.0.1:0", Handler: stuck, DrainTimeout: time.Hour}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{ln}}
	cancel, done := runTree(t, g, supervisor.RunConfig{ShutdownTimeout: 2 * time.Second})
	t.Cleanup(func() { close(release) })
	c := seamtest.Dial(t, ln.BoundAddr())
	remote := seamtest.Recv(t, entered, "the handler to start")

	cancel()
	c.SetReadDeadline(time.Now().Add(seamtest.Wait))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, syscall.ETIMEDOUT) || isTimeout(err) {
		t.Fatalf("read after the stop: %v; want the connection closed by force", err)
	}
	err := seamtest.Recv(t, done, "Run to return")
	if !errors.Is(err, supervisor.ErrUnstopped) {
		t.Fatalf("Run = %v; want ErrUnstopped", err)
	}
	for _, want := range []string{"abandoned", "app: stuck", "app/stuck: conn " + remote} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Run's error %q does not contain %q", err, want)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// An explicit DrainTimeout longer than the budget is cut to fit it: the
// handler that only returns on a closed connection is closed by force in
// time, and everything stops.
func TestRunBudgetBoundsDrainTimeout(t *testing.T) {
	entered := make(chan struct{}, 1)
	deaf := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		entered <- struct{}{}
		_, err := io.Copy(io.Discard, conn)
		return err
	})
	ln := &listener.Server{Name: "deaf", Addr: "127.0.0.1:0", Handler: deaf, DrainTimeout: time.Hour}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{ln}}
	cancel, done := runTree(t, g, supervisor.RunConfig{ShutdownTimeout: time.Second})
	seamtest.Dial(t, ln.BoundAddr()) // the connection the drain waits for
	seamtest.Recv(t, entered, "the handler to start")
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
	if have := ln.Stats().ForceClosed; have != 1 {
		t.Fatalf("ForceClosed = %d, want 1", have)
	}
}

// A listener whose first bind fails fails the start: Run returns at once
// with the child named and the bind's error, and the child started before
// it is stopped.
func TestRunStartFailsOnBusyPort(t *testing.T) {
	busy := busyPort(t)
	stopped := make(chan struct{})
	first := services.Func("first", func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return nil
	})
	logs := seamtest.NewLogs(t)
	ln := &listener.Server{Name: "kv", Addr: busy, Handler: echo, Logger: logs.Logger()}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{first, ln}, Logger: logs.Logger()}
	err := supervisor.Run(context.Background(), g, supervisor.RunConfig{Logger: logs.Logger()})
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.Path != "app/kv" || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Run = %v; want a StartError for app/kv wrapping EADDRINUSE", err)
	}
	seamtest.Recv(t, stopped, "the first child to be stopped")
	checkOneStartFailure(t, err, logs)
}

// busyPort returns the address of a port that a socket of the test holds
// until it ends.
func busyPort(t *testing.T) string {
	t.Helper()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	return busy.Addr().String()
}

// checkOneStartFailure checks that a busy port's start failure says
// "listen" and "bind" once each, and that the tree logged no error of its own: the error is
// Run's result, which main logs, once.
func checkOneStartFailure(t *testing.T, err error, logs *seamtest.Logs) {
	t.Helper()
	for _, word := range []string{"bind", "listen"} {
		if n := len(regexp.MustCompile(`\b`+word+`\b`).FindAllString(err.Error(), -1)); n != 1 {
			t.Errorf("Run's error says %s %d times, want once: %q", word, n, err)
		}
	}
	for _, line := range logs.Events("") {
		if line["level"] == "error" {
			t.Errorf("the tree logged the start failure that Run returns: %v", line)
		}
	}
}

// services.HTTP on a busy port fails the start as a listener does, its
// error read as easily.
func TestRunStartFailsOnBusyHTTPPort(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := &services.HTTP{Name: "api", Addr: busyPort(t), Handler: http.NotFoundHandler(), Logger: logs.Logger()}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{h}, Logger: logs.Logger()}
	err := supervisor.Run(context.Background(), g, supervisor.RunConfig{Logger: logs.Logger()})
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.Path != "app/api" || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Run = %v; want a StartError for app/api wrapping EADDRINUSE", err)
	}
	checkOneStartFailure(t, err, logs)
}

// A tree is logged ready only once what it serves says so: "tree ready"
// comes after the listener's "listening" and the HTTP service's "http
// serving", and nothing said "serving" before them.
func TestRunLogsReadyAfterItsListeners(t *testing.T) {
	logs := seamtest.NewLogs(t)
	ln := &listener.Server{Name: "echo", Addr: "127.0.0.1:0", Handler: echo, Logger: logs.Logger()}
	h := &services.HTTP{Name: "api", Addr: "127.0.0.1:0", Handler: http.NotFoundHandler(), Logger: logs.Logger()}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{ln, h}, Logger: logs.Logger()}
	cancel, done := runTree(t, g, supervisor.RunConfig{Logger: logs.Logger()})
	var order []string
	for _, line := range logs.Events("") {
		switch m := line["message"]; m {
		case "starting", "listening", "http serving", "group ready", "tree ready", "serving":
			order = append(order, m.(string))
		}
	}
	want := []string{"starting", "listening", "http serving", "group ready", "tree ready"}
	if !slices.Equal(order, want) {
		t.Errorf("lines in the order %q, want %q", order, want)
	}
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
}

// services.HTTP plans its drain within the budget too: a request whose
// body never finishes holds Shutdown until the connection is closed by
// force, which happens within a 1s budget despite a 1h DrainTimeout.
func TestRunBudgetBoundsHTTPDrain(t *testing.T) {
	entered := make(chan struct{}, 1)
	h := &services.HTTP{Name: "api", Addr: "127.0.0.1:0", DrainTimeout: time.Hour,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			io.Copy(io.Discard, r.Body) // ends when the conn is closed
		})}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{h}}
	cancel, done := runTree(t, g, supervisor.RunConfig{ShutdownTimeout: time.Second})
	c := seamtest.Dial(t, h.BoundAddr())
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial")
	seamtest.Recv(t, entered, "the handler to start")
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
}

// A listener with a bad configuration fails the start with its error, not
// reported ready with nothing bound.
func TestRunStartFailsOnBadListenerConfig(t *testing.T) {
	ln := &listener.Server{Name: "kv", Addr: "127.0.0.1:0", Handler: echo, MaxConns: -1}
	g := &supervisor.Group{Name: "app", Services: []suture.Service{ln}}
	err := supervisor.Run(context.Background(), g, supervisor.RunConfig{})
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.Path != "app/kv" || !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("Run = %v; want a StartError for app/kv wrapping supervisor.ErrBadConfig", err)
	}
}
