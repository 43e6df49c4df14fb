package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

// worker is a service that runs until its context ends.
type worker struct {
	name    string
	once    sync.Once
	running chan struct{}
}

func newWorker(name string) *worker {
	return &worker{name: name, running: make(chan struct{})}
}

func (w *worker) Serve(ctx context.Context) error {
	w.once.Do(func() { close(w.running) })
	<-ctx.Done()
	return ctx.Err()
}

// String names the service in logs and reports.
func (w *worker) String() string { return w.name }

func ExampleNew() {
	root := supervisor.New("app", supervisor.Config{})
	w := newWorker("worker")
	root.Add(w)

	ctx, cancel := context.WithCancel(context.Background())
	done := root.ServeBackground(ctx)
	<-w.running
	fmt.Println("serving:", root.Services())
	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// serving: [worker]
	// stopped: context canceled
}

func ExampleEventHook() {
	// New installs the hook itself; a supervisor built with suture.New
	// takes it in its Spec.
	hook := supervisor.EventHook(zerolog.New(os.Stdout))
	_ = suture.New("app", suture.Spec{EventHook: hook})

	// Suture calls the hook when a service fails, like this:
	hook(suture.EventServiceTerminate{
		SupervisorName:   "app",
		ServiceName:      "db",
		CurrentFailures:  1,
		FailureThreshold: 5,
		Restarting:       true,
		Err:              errors.New("connection refused"),
	})
	// Output:
	// {"level":"warn","supervisor":"app","service":"db","restarting":true,"failures":1,"threshold":5,"error":"connection refused","message":"service failed; restarting"}
}

func ExampleRun() {
	root := supervisor.New("app", supervisor.Config{})
	w := newWorker("worker")
	root.Add(w)

	// In main the context is context.Background() and SIGINT or SIGTERM
	// starts the stop; here the example stops itself once the worker runs.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-w.running
		cancel()
	}()
	err := supervisor.Run(ctx, root, supervisor.RunConfig{})
	fmt.Println("stopped cleanly:", err == nil)
	// Output:
	// stopped cleanly: true
}

// An embedding program sets the level on the logger it hands to seam,
// never on zerolog's globals: zerolog logs every level by default, and a
// Group's debug lines (each child's start and stop) would fill the log.
// At info, Run and the Group say when the tree starts, is ready and stops.
func ExampleRun_logLevel() {
	logger := zerolog.New(zerolog.ConsoleWriter{
		Out:           os.Stdout,
		NoColor:       true,
		PartsExclude:  []string{zerolog.TimestampFieldName},
		FieldsExclude: []string{"took"}, // varies from run to run
	}).Level(zerolog.InfoLevel)

	w := newWorker("worker")
	tree := &supervisor.Group{Name: "app", Logger: logger, Services: []suture.Service{w}}
	// In main the context is context.Background() and SIGINT or SIGTERM
	// starts the stop; here the example stops itself once the tree is
	// ready.
	ctx, cancel := context.WithCancel(context.Background())
	cfg := supervisor.RunConfig{Logger: logger, ShutdownTimeout: 5 * time.Second, OnReady: cancel}
	if err := supervisor.Run(ctx, tree, cfg); err != nil {
		logger.Error().Err(err).Msg("exit")
	}
	// Output:
	// INF starting supervisor=app
	// INF group ready children=1 group=app
	// INF tree ready supervisor=app
	// INF stopping cause="context canceled" reason=context shutdown_timeout=5s supervisor=app
	// INF stopped supervisor=app
}

// stuck ignores its context, as a service blocked on I/O would.
type stuck struct {
	running, release chan struct{}
}

func (s *stuck) Serve(ctx context.Context) error {
	close(s.running)
	<-s.release
	return ctx.Err()
}

func (s *stuck) String() string { return "stuck" }

func ExampleRun_unstopped() {
	root := supervisor.New("app", supervisor.Config{StopTimeout: 100 * time.Millisecond})
	s := &stuck{running: make(chan struct{}), release: make(chan struct{})}
	defer close(s.release)
	root.Add(s)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.running
		cancel()
	}()
	err := supervisor.Run(ctx, root, supervisor.RunConfig{})
	fmt.Println(errors.Is(err, supervisor.ErrUnstopped))
	fmt.Println(err)
	// Output:
	// true
	// supervisor: services did not stop (abandoned after their stop timeout): app: stuck
}

// step is a service that says when it starts and stops. It is ready once
// it has said so.
type step struct {
	name  string
	ready chan struct{}
}

func newStep(name string) *step { return &step{name, make(chan struct{})} }

func (s *step) Serve(ctx context.Context) error {
	fmt.Println("start", s.name)
	close(s.ready)
	<-ctx.Done()
	fmt.Println("stop", s.name)
	return nil
}

func (s *step) Ready() <-chan struct{} { return s.ready }
func (s *step) String() string         { return s.name }

func ExampleGroup() {
	// The database first, the cache once it is up, the API last: at stop
	// the API goes first and the database last.
	tree := &supervisor.Group{
		Name:     "app",
		Strategy: supervisor.RestForOne, // a database restart restarts what uses it
		Services: []suture.Service{newStep("db"), newStep("cache"), newStep("api")},
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := supervisor.Run(ctx, tree, supervisor.RunConfig{
		ShutdownTimeout: 10 * time.Second, // the one stop budget, split down the tree
		OnReady:         cancel,           // in main: a readiness probe; here, stop at once
	})
	fmt.Println("stopped cleanly:", err == nil)
	// Output:
	// start db
	// start cache
	// start api
	// stop api
	// stop cache
	// stop db
	// stopped cleanly: true
}

func ExampleStartError() {
	// A port already taken, a file that cannot be opened: a child that
	// fails before it was ever ready fails the whole start, and Run
	// returns at once, as a server that cannot start should.
	broken := stuckOpen{}
	tree := &supervisor.Group{Name: "app", Services: []suture.Service{newStep("db"), broken}}
	err := supervisor.Run(context.Background(), tree, supervisor.RunConfig{})
	var se *supervisor.StartError
	fmt.Println(errors.As(err, &se), se.Path)
	fmt.Println(err)
	// Output:
	// start db
	// stop db
	// true app/aof
	// supervisor: start of app/aof failed: open kv.aof: permission denied
}

// stuckOpen fails to open its file, before it is ready.
type stuckOpen struct{}

func (stuckOpen) Serve(ctx context.Context) error {
	return errors.New("open kv.aof: permission denied")
}
func (stuckOpen) Ready() <-chan struct{} { return make(chan struct{}) }
func (stuckOpen) String() string         { return "aof" }
