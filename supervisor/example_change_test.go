package supervisor_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

// migration is a one-shot job: it does its work and returns nil, a normal
// end for a transient child.
type migration struct{}

func (migration) Serve(ctx context.Context) error {
	fmt.Println("migrating")
	return nil
}

func (migration) String() string { return "migration" }

// A job runner: the migration is a significant transient child, so its
// normal end ends the group, which stops the worker and returns nil; under
// Run, Run returns nil and main exits 0.
func ExampleSignificant() {
	w := newWorker("worker")
	g := &supervisor.Group{
		Name:         "job",
		AutoShutdown: supervisor.AnySignificant,
		Services: []suture.Service{
			w,
			supervisor.Significant(supervisor.Transient(migration{})),
		},
	}
	fmt.Println("Serve returned:", g.Serve(context.Background()))
	// Output:
	// migrating
	// Serve returned: <nil>
}

// configured is a worker that reads its configuration at each start.
type configured struct {
	config  *atomic.Value
	started chan string
}

func (c *configured) Serve(ctx context.Context) error {
	c.started <- c.config.Load().(string)
	<-ctx.Done()
	return ctx.Err()
}

func (c *configured) String() string { return "reloader" }

// Add a worker to a running group, then Restart it after a configuration
// change: it stops and starts again, reading the new configuration, while
// its sibling runs on.
func ExampleGroup_Restart() {
	g := &supervisor.Group{Name: "app", Services: []suture.Service{newWorker("api")}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	<-g.Ready()

	var config atomic.Value
	config.Store("v1")
	w := &configured{config: &config, started: make(chan string)}
	if err := g.Add(w); err != nil {
		fmt.Println("Add:", err)
	}
	fmt.Println("started with", <-w.started)

	config.Store("v2")
	if err := g.Restart("reloader"); err != nil {
		fmt.Println("Restart:", err)
	}
	fmt.Println("started with", <-w.started)

	if err := g.Add(w); err != nil {
		fmt.Println(err)
	}
	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// started with v1
	// started with v2
	// supervisor: duplicate child name: group app: add reloader
	// stopped: <nil>
}
