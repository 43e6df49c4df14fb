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
