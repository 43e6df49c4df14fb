package services_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/seamgo/seam/listener"
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
	served := serve(ctx, h)
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
	served := serve(ctx, room)

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

// library is the state of an actor that serves several kinds of request,
// each with a reply of its own type: its methods are the requests.
type library struct{ copies map[string]int }

func (l *library) lend(title string) (lent bool, left int) {
	if l.copies[title] == 0 {
		return false, 0
	}
	l.copies[title]--
	return true, l.copies[title]
}

func (l *library) titles() []string {
	var out []string
	for title, n := range l.copies {
		if n > 0 {
			out = append(out, title)
		}
	}
	slices.Sort(out)
	return out
}

// Library is the actor's typed API: one method per kind of request, each
// an Ask whose reply type the compiler checks.
type Library struct {
	actor *services.Actor[library, services.Op[library], any]
}

// Lend lends a copy of title, and says whether there was one and how
// many are left: an answer, not a failure, so it is in the reply.
func (l Library) Lend(ctx context.Context, title string) (lent bool, left int, err error) {
	type loan struct {
		lent bool
		left int
	}
	r, err := services.Ask(ctx, l.actor, func(_ context.Context, lib *library) (loan, error) {
		lent, left := lib.lend(title)
		return loan{lent, left}, nil
	})
	return r.lent, r.left, err
}

// Titles lists the titles with a copy on the shelf.
func (l Library) Titles(ctx context.Context) ([]string, error) {
	return services.Ask(ctx, l.actor, func(_ context.Context, lib *library) ([]string, error) {
		return lib.titles(), nil
	})
}

// An actor with several kinds of request is an actor of services.Op: each
// request is a function of the state, sent with services.Ask, which gives
// its reply back with its own type.
func ExampleAsk() {
	actor := &services.Actor[library, services.Op[library], any]{
		Name: "library",
		Init: func(context.Context) (library, error) {
			return library{copies: map[string]int{"Dune": 1, "Emma": 2}}, nil
		},
		Handle: services.RunOp[library],
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := serve(ctx, actor)

	lib := Library{actor}
	for _, title := range []string{"Dune", "Dune", "Emma"} {
		lent, left, err := lib.Lend(ctx, title)
		fmt.Println("lend", title+":", lent, left, err)
	}
	titles, _ := lib.Titles(ctx)
	fmt.Println("on the shelf:", titles)

	cancel()
	<-served
	// Output:
	// lend Dune: true 0 <nil>
	// lend Dune: false 0 <nil>
	// lend Emma: true 1 <nil>
	// on the shelf: [Emma]
}

// A connection handler stops taking requests when its ctx ends, at the
// first step of the stop, but calls the actor with listener.DrainContext:
// that ctx lives through the drain, so the request in hand gets its reply,
// and ends only when the connections are closed by force at the drain
// deadline.
func ExampleAsk_connectionHandler() {
	counts := &services.Actor[map[string]int, services.Op[map[string]int], any]{
		Name:   "counts",
		Init:   func(context.Context) (map[string]int, error) { return map[string]int{}, nil },
		Handle: services.RunOp[map[string]int],
	}
	incr := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		// The end of ctx cuts short the wait for the next request...
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
		defer stop()
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			key := strings.TrimSpace(line)
			// ...but not the request in hand.
			n, err := services.Ask(listener.DrainContext(ctx), counts,
				func(_ context.Context, m *map[string]int) (int, error) {
					(*m)[key]++
					return (*m)[key], nil
				})
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintln(conn, key, n); err != nil {
				return err
			}
		}
	})
	srv := &listener.Server{Name: "incr", Addr: "127.0.0.1:0", Handler: incr}

	// The actor starts first and stops last: a Group does this in order.
	sup := suture.New("app", suture.Spec{})
	sup.Add(counts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := sup.ServeBackground(ctx)
	<-counts.Ready()
	srvCtx, stopSrv := context.WithCancel(ctx)
	defer stopSrv()
	served := serve(srvCtx, srv)

	conn, err := net.Dial("tcp", srv.BoundAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for _, key := range []string{"a", "a", "b"} {
		fmt.Fprintln(conn, key)
		reply, _ := r.ReadString('\n')
		fmt.Print(reply)
	}
	stopSrv()
	<-served
	cancel()
	<-stopped
	// Output:
	// a 1
	// a 2
	// b 1
}

// A handler that upgrades its connection (a WebSocket, or here a protocol
// of lines) owns it, but services.HTTP still stops it: the request's
// context ends at the stop, the drain waits for the connection to be
// closed, and closes it by force at the drain deadline if the handler
// does not.
func ExampleHTTP_hijack() {
	h := &services.HTTP{
		Addr: "127.0.0.1:0",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n")
			line, _ := brw.ReadString('\n')
			io.WriteString(conn, "echo "+line)
			<-r.Context().Done() // the stop
			io.WriteString(conn, "bye\n")
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := serve(ctx, h)

	conn, err := net.Dial("tcp", h.BoundAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	io.WriteString(conn, "GET /lines HTTP/1.1\r\nHost: seam\r\nConnection: Upgrade\r\nUpgrade: lines\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
	io.WriteString(conn, "hello\n")
	line, _ := r.ReadString('\n')
	fmt.Print(line)
	fmt.Println(h.LiveWork()[0] == "hijacked conn "+conn.LocalAddr().String())

	cancel()
	line, _ = r.ReadString('\n')
	fmt.Print(line)
	fmt.Println("Serve:", <-served)
	// Output:
	// 101 Switching Protocols
	// echo hello
	// true
	// bye
	// Serve: <nil>
}

// serve runs svc on a goroutine of its own until ctx ends, and returns
// once svc is ready; what Serve returns comes on the channel.
func serve(ctx context.Context, svc interface {
	Serve(context.Context) error
	Ready() <-chan struct{}
}) <-chan error {
	served := make(chan error, 1)
	go func() { served <- svc.Serve(ctx) }()
	<-svc.Ready()
	return served
}
