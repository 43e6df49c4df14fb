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
