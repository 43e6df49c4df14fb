package supervisor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// startRun runs Run in a goroutine; the result arrives on the channel.
func startRun(ctx context.Context, root suture.Service, cfg RunConfig) <-chan error {
	c := make(chan error, 1)
	go func() { c <- Run(ctx, root, cfg) }()
	return c
}

// runUntilRunning runs root under Run, stops it once running is closed,
// and returns Run's result.
func runUntilRunning(t *testing.T, root *suture.Supervisor, cfg RunConfig, running <-chan struct{}) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(ctx, root, cfg)
	seamtest.Recv(t, running, "the service to run")
	cancel()
	return seamtest.Recv(t, done, "Run to return")
}

// wantUnstopped checks that err wraps ErrUnstopped and names each of want,
// and none of notWant.
func wantUnstopped(t *testing.T, err error, want []string, notWant []string) {
	t.Helper()
	if !errors.Is(err, ErrUnstopped) {
		t.Fatalf("have %v, want an error wrapping ErrUnstopped", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(err.Error(), w) {
			t.Errorf("error %q names %q", err, w)
		}
	}
}

func TestRunStopsOnContextCancel(t *testing.T) {
	sink := seamtest.NewLogs(t)
	root := New("app", Config{})
	a := newSleeper("a")
	root.Add(a)
	child := New("child", Config{})
	c := newSleeper("c")
	child.Add(c)
	root.Add(child)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(ctx, root, RunConfig{Logger: sink.Logger()})
	seamtest.Recv(t, a.running, "a to run")
	seamtest.Recv(t, c.running, "c to run")
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
	checkFields(t, logLine(t, sink, "stopping"), map[string]any{"level": "info", "reason": "context", "supervisor": "app"})
	stopped := logLine(t, sink, "stopped")
	checkFields(t, stopped, map[string]any{"level": "info", "supervisor": "app"})
	// Rounded for a reader, in ASCII: "264us", not "263.851µs".
	if took, _ := stopped["took"].(string); !regexp.MustCompile(`^[0-9]{1,3}(\.[0-9])?(ns|us|ms|s)$`).MatchString(took) {
		t.Errorf("took %q, want a rounded duration", took)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	if err := Run(context.Background(), nil, RunConfig{}); err == nil || !strings.HasPrefix(err.Error(), "supervisor: ") {
		t.Errorf("nil root: have %v, want a supervisor: error", err)
	}
	root := New("app", Config{})
	err := Run(context.Background(), root, RunConfig{ShutdownTimeout: -time.Second})
	if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "ShutdownTimeout") {
		t.Errorf("negative ShutdownTimeout: have %v, want ErrBadConfig naming it", err)
	}
	// Run must have refused before starting root: serving it now would
	// panic if it had been started.
	ctx, cancel := context.WithCancel(context.Background())
	done := root.ServeBackground(ctx)
	cancel()
	seamtest.Recv(t, done, "root to stop")
}

// A service that ignores its context is abandoned by its supervisor after
// StopTimeout; the root then returns and its report names the service.
func TestRunReportsAbandonedService(t *testing.T) {
	sink := seamtest.NewLogs(t)
	root := New("app", Config{StopTimeout: 300 * time.Millisecond})
	stuck := newBlocker(t, "stuck")
	fine := newSleeper("fine")
	root.Add(stuck)
	root.Add(fine)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(ctx, root, RunConfig{Logger: sink.Logger(), ShutdownTimeout: seamtest.Wait})
	seamtest.Recv(t, stuck.running, "stuck to run")
	seamtest.Recv(t, fine.running, "fine to run")
	cancel()
	err := seamtest.Recv(t, done, "Run to return")
	wantUnstopped(t, err, []string{"app: stuck", "stop timeout"}, []string{"fine", "not confirmed"})
	checkFields(t, logLine(t, sink, "did not stop"), map[string]any{
		"level": "error", "path": "app", "service": "stuck", "confirmed": true,
	})
}

// When the root itself has not finished by ShutdownTimeout, Run returns
// then, naming every service the root ran as not confirmed stopped.
func TestRunShutdownTimeout(t *testing.T) {
	root := New("app", Config{StopTimeout: time.Minute})
	t.Cleanup(func() { waitFinished(t, root) }) // after stuck is released
	stuck := newBlocker(t, "stuck")
	root.Add(stuck)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const shutdown = 200 * time.Millisecond
	done := startRun(ctx, root, RunConfig{ShutdownTimeout: shutdown})
	seamtest.Recv(t, stuck.running, "stuck to run")
	start := time.Now()
	cancel()
	err := seamtest.Recv(t, done, "Run to return")
	if took := time.Since(start); took < shutdown {
		t.Errorf("Run returned after %v, before the shutdown timeout %v", took, shutdown)
	}
	wantUnstopped(t, err, []string{"app: stuck (not confirmed stopped)", "shutdown timeout 200ms"}, nil)
}

// Suture's report is not recursive: a child supervisor that abandoned a
// service and returned in time leaves the root's report empty.
func TestRunReportsAbandonedServiceOfChild(t *testing.T) {
	root := New("app", Config{StopTimeout: seamtest.Wait})
	child := New("child", Config{StopTimeout: 300 * time.Millisecond})
	stuck := newBlocker(t, "stuck")
	child.Add(stuck)
	child.Add(newSleeper("fine"))
	root.Add(child)

	err := runUntilRunning(t, root, RunConfig{ShutdownTimeout: 2 * seamtest.Wait}, stuck.running)
	wantUnstopped(t, err, []string{"app/child: stuck"}, []string{"fine", "not confirmed"})
}

// A child supervisor the root gave up on is still stopping: its own report
// is not ready, so its services are named from the snapshot.
func TestRunReportsChildStillStopping(t *testing.T) {
	root := New("app", Config{StopTimeout: 300 * time.Millisecond})
	child := New("child", Config{StopTimeout: time.Minute})
	t.Cleanup(func() { waitFinished(t, child) }) // after stuck is released
	stuck := newBlocker(t, "stuck")
	child.Add(stuck)
	root.Add(child)
	root.Add(newSleeper("fine"))

	err := runUntilRunning(t, root, RunConfig{ShutdownTimeout: seamtest.Wait}, stuck.running)
	wantUnstopped(t, err, []string{"app/child: stuck (not confirmed stopped)"}, []string{"fine"})
}

func TestRunNamesParts(t *testing.T) {
	root := New("app", Config{StopTimeout: 300 * time.Millisecond})
	kv := partsBlocker{newBlocker(t, "kv"), []string{"acceptor", "conn 127.0.0.1:5555 (id 7)"}}
	root.Add(kv)

	err := runUntilRunning(t, root, RunConfig{ShutdownTimeout: seamtest.Wait}, kv.running)
	wantUnstopped(t, err, []string{"app: kv", "app/kv: acceptor", "app/kv: conn 127.0.0.1:5555 (id 7)"}, nil)
}

func TestRunWalksHasSupervisor(t *testing.T) {
	root := New("app", Config{StopTimeout: seamtest.Wait})
	inner := New("inner", Config{StopTimeout: 300 * time.Millisecond})
	stuck := newBlocker(t, "stuck")
	inner.Add(stuck)
	root.Add(&wrapped{name: "cache", sup: inner, serve: true})

	err := runUntilRunning(t, root, RunConfig{ShutdownTimeout: 2 * seamtest.Wait}, stuck.running)
	wantUnstopped(t, err, []string{"app/inner: stuck"}, []string{"not confirmed"})
}

// A HasSupervisor that never serves its supervisor breaks what suture's
// UnstoppedServiceReport relies on: it would block forever. Run must still
// return, naming it.
func TestRunDoesNotHangOnSupervisorNeverServed(t *testing.T) {
	root := New("app", Config{})
	inner := New("inner", Config{})
	lazy := &wrapped{name: "lazy", sup: inner}
	root.Add(lazy)
	t.Cleanup(func() {
		// Serving and stopping inner releases the goroutine that waits
		// for its report.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		seamtest.Recv(t, inner.ServeBackground(ctx), "inner to stop")
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(ctx, root, RunConfig{ShutdownTimeout: seamtest.Wait})
	cancel()
	err := seamtest.Recv(t, done, "Run to return")
	wantUnstopped(t, err, []string{"app: lazy (not confirmed stopped)"}, nil)
}

func TestRunReturnsWhenTreeEndsAlone(t *testing.T) {
	root := New("app", Config{})
	root.Add(&funcService{name: "fatal", fn: func(ctx context.Context) error {
		return fmt.Errorf("disk gone: %w", suture.ErrTerminateSupervisorTree)
	}})
	err := seamtest.Recv(t, startRun(context.Background(), root, RunConfig{}), "Run to return")
	if !errors.Is(err, suture.ErrTerminateSupervisorTree) || errors.Is(err, ErrUnstopped) {
		t.Fatalf("have %v, want an error wrapping ErrTerminateSupervisorTree only", err)
	}
	if !strings.HasPrefix(err.Error(), "supervisor: app ended before a stop was asked") {
		t.Errorf("have %q", err)
	}
}

// A context that ends starts the lame duck as a signal does; a tree never
// ready skips the lame duck.
func TestRunLameDuckContext(t *testing.T) {
	t.Run("starts the lame duck", func(t *testing.T) {
		h := &Health{}
		root := &Group{Name: "app", Services: []suture.Service{newSleeper("s")}}
		sink := seamtest.NewLogs(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, root, RunConfig{Logger: sink.Logger(), Health: h, LameDuck: time.Millisecond})
		}()
		seamtest.Eventually(t, "the tree to be ready", h.Ready)
		cancel()
		seamtest.RecvNil(t, done, "Run to return")
		checkFields(t, logLine(t, sink, "lame duck: not ready, still serving"), map[string]any{"reason": "context"})
	})
	t.Run("never ready", func(t *testing.T) {
		h := &Health{}
		j := newJournal()
		k := newKid(j, "late")
		k.late = true
		root := &Group{Name: "app", Services: []suture.Service{k}}
		sink := seamtest.NewLogs(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, root, RunConfig{Logger: sink.Logger(), Health: h, LameDuck: time.Hour})
		}()
		j.expect(t, "start late")
		cancel()
		// With an hour's lame duck, a return within seamtest.Wait shows
		// that there was none.
		seamtest.RecvNil(t, done, "Run to return, without a lame duck")
	})
}

func TestRunBadLameDuck(t *testing.T) {
	err := Run(context.Background(), newSleeper("s"), RunConfig{LameDuck: -time.Second})
	if !errors.Is(err, ErrBadConfig) {
		t.Fatalf("have %v, want ErrBadConfig", err)
	}
}
