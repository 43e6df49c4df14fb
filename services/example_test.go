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

// An actor owns a counter: many goroutines Call it, none needs a lock.
func ExampleActor() {
	counter := &services.Actor[int, int, int]{
		Name: "counter",
		Handle: func(_ context.Context, n *int, add int) (int, error) {
			*n += add
			return *n, nil
		},
	}
	sup := suture.New("app", suture.Spec{EventHook: func(suture.Event) {}})
	sup.Add(counter)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := sup.ServeBackground(ctx)
	<-counter.Ready()

	for _, add := range []int{1, 2, 3} {
		total, err := counter.Call(ctx, add)
		fmt.Println(total, err)
	}
	cancel()
	<-stopped
	_, err := counter.Call(context.Background(), 1)
	fmt.Println(errors.Is(err, services.ErrActorStopped))
	// Output:
	// 1 <nil>
	// 3 <nil>
	// 6 <nil>
	// true
}

// A chat room: the actor owns the members; a message to the room is a
// Cast, a join is a Call. A member links itself to the room's incarnation:
// if the room restarts (a fresh, empty state), the member learns it and
// can join again rather than wait for messages that will never come.
func ExampleActor_chatRoom() {
	type msg struct {
		join, leave string
		inbox       chan string
		from, text  string
	}
	room := &services.Actor[map[string]chan string, msg, int]{
		Name:    "room",
		Mailbox: 64,
		Init: func(context.Context) (map[string]chan string, error) {
			return map[string]chan string{}, nil
		},
		Handle: func(_ context.Context, members *map[string]chan string, m msg) (int, error) {
			switch {
			case m.join != "":
				(*members)[m.join] = m.inbox
			case m.leave != "":
				delete(*members, m.leave)
			default:
				for name, inbox := range *members {
					if name != m.from {
						inbox <- m.from + ": " + m.text
					}
				}
			}
			return len(*members), nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- room.Serve(ctx) }()
	<-room.Ready()

	ann, bob := make(chan string, 8), make(chan string, 8)
	link, _ := room.Incarnation() // taken before joining: no restart goes unseen
	room.Call(ctx, msg{join: "ann", inbox: ann})
	n, _ := room.Call(ctx, msg{join: "bob", inbox: bob})
	fmt.Println(n, "members")

	room.Cast(msg{from: "ann", text: "hello"})
	fmt.Println("bob got", <-bob)
	room.Cast(msg{from: "bob", text: "hi ann"})
	fmt.Println("ann got", <-ann)

	cancel()
	<-served
	<-link.Done()
	fmt.Println("the room's incarnation", link.Gen, "ended")
	// Output:
	// 2 members
	// bob got ann: hello
	// ann got bob: hi ann
	// the room's incarnation 1 ended
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
