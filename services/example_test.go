package services_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seamgo/seam/services"
	"github.com/thejerf/suture/v4"
)

// A worker that finishes its job ends for good by returning an error that
// wraps suture.ErrDoNotRestart; returning nil would have it restarted.
func ExampleFunc() {
	sup := suture.New("app", suture.Spec{EventHook: func(suture.Event) {}})
	done := make(chan struct{})
	sup.Add(services.Func("migrate", func(ctx context.Context) error {
		defer close(done)
		fmt.Println("migrating")
		return fmt.Errorf("migrated: %w", suture.ErrDoNotRestart)
	}))

	ctx, cancel := context.WithCancel(context.Background())
	stopped := sup.ServeBackground(ctx)
	<-done
	cancel()
	<-stopped
	// Output: migrating
}

func ExampleHTTP() {
	h := &services.HTTP{
		Name: "admin",
		Addr: "127.0.0.1:0", // pick a free port; BoundAddr tells which
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "hello from", r.URL.Path)
		}),
		DrainTimeout: 2 * time.Second,
	}
	sup := suture.New("app", suture.Spec{EventHook: func(suture.Event) {}})
	sup.Add(h)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := sup.ServeBackground(ctx)

	<-h.Ready()
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get("http://" + h.BoundAddr().String() + "/status")
	if err != nil {
		fmt.Println(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(string(body))
	}
	client.CloseIdleConnections()

	cancel() // drains in-flight requests, then stops
	<-stopped
	// Output: hello from /status
}

// A template http.Server carries the settings net/http offers; HTTP builds
// a fresh server from it on every (re)start.
func ExampleHTTP_template() {
	h := &services.HTTP{
		Addr: "127.0.0.1:0",
		Server: &http.Server{
			ReadHeaderTimeout: 5 * time.Second,
			IdleTimeout:       time.Minute,
			Handler:           http.NotFoundHandler(),
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx) }()

	<-h.Ready()
	client := &http.Client{Transport: &http.Transport{}}
	if resp, err := client.Get("http://" + h.BoundAddr().String() + "/missing"); err == nil {
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	client.CloseIdleConnections()

	cancel()
	fmt.Println("Serve returned", <-served)
	// Output:
	// 404 Not Found
	// Serve returned <nil>
}

func ExamplePeriodic() {
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	p := &services.Periodic{
		Name:     "expire",
		Interval: 10 * time.Millisecond,
		Job: func(ctx context.Context) error {
			runs++
			if runs == 3 {
				cancel() // a program would cancel at shutdown instead
			}
			return nil
		},
	}
	err := p.Serve(ctx) // blocks until ctx ends
	fmt.Println(p, "ran", runs, "times; Serve returned", err)
	// Output: expire ran 3 times; Serve returned <nil>
}

// A writer on a disk that fills up fails again and again until space is
// freed. Retry runs it again in place, pausing 100ms, then 200ms, 400ms...
// up to 1s by default, so its supervisor never counts the failures and
// never pauses its other children for it.
func ExampleRetry() {
	attempts := 0
	writing := make(chan struct{})
	writer := services.Func("aof", func(ctx context.Context) error {
		attempts++
		if attempts <= 3 {
			return errors.New("write kv.aof: no space left on device")
		}
		close(writing)
		<-ctx.Done()
		return nil
	})

	failures := 0 // as the supervisor saw them
	sup := suture.New("app", suture.Spec{EventHook: func(e suture.Event) {
		if _, ok := e.(suture.EventServiceTerminate); ok {
			failures++
		}
	}})
	sup.Add(&services.Retry{Service: writer, MinDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := sup.ServeBackground(ctx)

	<-writing
	cancel()
	<-stopped
	fmt.Println("writing after", attempts-1, "failures; the supervisor saw", failures)
	// Output: writing after 3 failures; the supervisor saw 0
}
