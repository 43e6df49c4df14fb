// Package services provides ready-made services for the parts of a server
// that run beside its listeners in a suture supervision tree: any function
// ([Func]), an HTTP server ([HTTP]), a periodic job ([Periodic]), an
// actor that owns shared state ([Actor]), and a restart policy of its own
// for a service that fails often but briefly ([Retry]). Its subpackage
// admin is the admin service: probes, Prometheus metrics and the live tree
// on a port of their own.
//
// Each is a plain [suture.Service] with a cheap String, added to a
// supervisor like any other:
//
//	sup := suture.New("app", suture.Spec{})
//	sup.Add(&services.HTTP{Name: "admin", Addr: ":8080", Handler: mux})
//	sup.Add(&services.Periodic{Name: "expire", Interval: time.Second, Job: expire})
//	sup.Add(services.Func("aof", aof.Run))
//	sup.Add(&services.Actor[Room, Msg, Reply]{Name: "room", Init: newRoom, Handle: handle})
//
// # Actors
//
// State that many goroutines share has one owner: an [Actor] handles
// messages one at a time on its own goroutine, answers [Actor.Call] and
// takes [Actor.Cast] from a bounded mailbox that refuses when full
// ([ErrMailboxFull]). A handler error or panic fails the actor and the
// supervisor restarts it with a state rebuilt by Init; the calls that were
// waiting return [ErrActorRestarted] at once, and dependants watching
// [Actor.Incarnation] learn of it. While the actor is down, Call and Cast
// fail at once with [ErrActorStopped].
//
// An actor serves several kinds of request in one of two ways. When every
// kind has the same reply type, M holds them all (a struct with a field
// per kind, as in ExampleActor_chatRoom, or a sealed interface whose
// unexported method only the request types have) and Handle switches over
// it. When the replies differ, the actor is an
// Actor[S, [Op][S], any] with [RunOp] as its Handle: each request is a
// function of the state, sent with [Ask], which returns the reply with the
// type the function returns, checked by the compiler and without
// reflection. A few methods wrapping Ask make the actor's typed API, as an
// Erlang module wraps gen_server:call (ExampleAsk).
//
// # Which ctx to call an actor with
//
// A connection handler's ctx ends at the first step of a listener's
// graceful stop, so that the handler takes no new request; a Call made
// with it would abort the request in hand. The handler watches its ctx
// between requests and calls with [listener.DrainContext](ctx), which
// lives through the drain and ends when the remaining connections are
// closed by force at its deadline (ExampleAsk_connectionHandler). Under a
// supervisor.Group, put the actor before the listener: it starts first and
// stops after the listener has drained, so the Calls of the drain find it
// running.
//
// # HTTP: hijacked connections and the lame duck
//
// [HTTP] stops the connections its handlers hijack (WebSockets and other
// upgrades) as it stops its own, which http.Server's Shutdown and Close
// do not: their request's context ends at the stop, the drain waits for
// them within DrainTimeout, and those still open at its end are closed by
// force; [HTTP.LiveWork] names them for a stop report
// (ExampleHTTP_hijack). During supervisor.Run's lame duck it turns
// keep-alives off, so that clients behind a balancer reconnect to another
// instance while this one still answers.
//
// # Lifecycle
//
// Serve blocks until its ctx ends or the service fails. Once ctx has ended,
// Serve stops what it started, waits for it, and returns nil. A failure
// while ctx is live is returned, wrapped with the service's name, so the
// supervisor logs it and restarts the service: every Serve starts afresh.
//
// suture treats every return of Serve while the supervisor runs as a
// failure, nil included; only an error wrapping [suture.ErrDoNotRestart]
// ends a service for good. A panic in Serve is recovered by suture and the
// service restarted.
//
// suture counts failures per supervisor: a child that fails five times in
// quick succession pauses the restarts of all its siblings (15s by
// default). A service whose faults are frequent and short, such as writes
// to a disk that fills up, is wrapped in a [Retry], which runs it again in
// place with a backoff of its own (100ms doubling to 1s) and passes the
// failure up only after many retries in a row.
//
// # Configuration
//
// [HTTP] and [Periodic] are configured with plain structs whose zero values
// work, except for what a service cannot run without (a handler, a func, an
// interval). Serve checks the configuration before it binds or starts
// anything: an invalid one is logged at error and returned as an error
// wrapping [supervisor.ErrBadConfig] and suture.ErrDoNotRestart, since restarting
// could not fix it.
//
// # Logging
//
// Each service logs through the zerolog.Logger in its Logger field, with a
// "service" field holding its name; the zero value logs nothing. Starts
// and normal stops are logged at info or debug, never as failures.
// Failures are returned, not logged, so that the supervisor's event hook
// logs each once. Configuration errors are the exception: they end the
// service without a suture event, so the service logs them at error.
package services
