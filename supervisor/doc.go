// Package supervisor builds and runs the supervision tree of a seam
// program: suture supervisors with production defaults whose events are
// logged through zerolog, and [Run], which serves the root from main until
// a signal, stops it gracefully and names whatever did not stop.
//
// # Building a tree
//
// [New] returns a plain [*suture.Supervisor], so a tree is composed with
// suture's own API: Add services and child supervisors, Remove them,
// ServeBackground a subtree in a test. [Config]'s zero value works; its
// defaults are suture's (restarts pause for 15s after more than 5 failures
// decaying over 30s; a stop waits 10s for each supervisor's services).
// [Config.Validate] checks values that come from outside the program.
//
// Suture restarts a service whose Serve returns, even with nil, or panics;
// only an error matching [suture.ErrDoNotRestart] ends it for good. Give
// every service a cheap String method: suture names services with it in
// logs and reports.
//
// # Logging
//
// [EventHook] logs each suture event as one zerolog line with structured
// fields, at a level that follows its severity. New installs it with
// Config.Logger. A child supervisor takes its parent's hook when added, so
// the root's logger logs the whole tree.
//
// # Running from main
//
// [Run] serves the root until its context ends or SIGINT or SIGTERM
// arrives, then cancels the tree and waits for it to stop, up to
// [RunConfig].ShutdownTimeout. A second signal during the stop ends the
// wait at once.
//
// # What did not stop
//
// A service that ignores its context outlives its supervisor's
// StopTimeout; suture then abandons it, its goroutine still running. Run
// returns an error wrapping [ErrUnstopped] that names every such service
// with its supervisor path ("app/cache: warmer"), walking the whole tree
// because suture's own report covers one supervisor only. A service that
// runs parts of its work outside suture's view, as a listener runs its
// connections, implements [PartsReporter] so that its live parts are named
// too ("app/kv: conn 127.0.0.1:5555 (id 7)").
package supervisor
