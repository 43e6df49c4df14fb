// Package supervisor builds and runs the supervision tree of a seam
// program: suture supervisors with production defaults whose events are
// logged through zerolog, ordered groups ([Group]) with OTP's restart strategies,
// and [Run], which serves the root from main until a signal, stops it
// gracefully within one stop budget and names whatever did not stop.
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
// Every logger is passed in, never a global. At info, [Run] and a [Group]
// say when the tree starts, is ready and stops, in the order it happened:
// a Group is logged ready after each of its children (a listener's
// "listening"), and Run's "tree ready" after the Group. Their debug lines
// follow each child's start and stop. zerolog logs every level unless told
// otherwise, so set the level on the logger you hand in,
// zerolog.New(os.Stderr).Level(zerolog.InfoLevel), as Run's logLevel
// example does. Durations are rounded for a reader ("4.2s", "730ms"). The
// error Run returns is not logged by Run: main logs it, once.
//
// # Composing services
//
// A [Group] is what a program of several services is built from: it starts
// its children in order, each once the one before is ready (its
// Ready() <-chan struct{}, which listener.Server and services.HTTP have),
// stops them in reverse order, each one's Serve having returned before the
// one before it is stopped, and restarts them with a [Strategy], as OTP's
// supervisors do:
//
//	strategy      a child fails: the group restarts
//	one-for-one   that child only
//	rest-for-one  that child and every child started after it
//	one-for-all   every child
//
// Children stopped for a restart stop in reverse order and start again in
// order, readiness awaited. Restart intensity is suture's: threshold,
// decay, backoff. A child that fails before it was ever ready (a port
// already in use, a file that cannot be opened, a bad configuration) fails
// the start instead: what started is stopped in reverse order and the
// group's Serve returns a [*StartError] wrapping [ErrStartFailed] and the
// cause, within the group's StartTimeout; it also wraps
// suture.ErrTerminateSupervisorTree, so suture supervisors above pass it up
// to [Run], which returns it to main. A Group nests in Groups and suture
// trees alike, and holds suture supervisors: suture stays the API of the
// tree.
//
// # Restart types
//
// Every child of a Group is permanent unless wrapped, as OTP's children
// are: [Transient] restarts it only after an abnormal end, [Temporary]
// never. Normal is a return of nil or of an error wrapping
// suture.ErrDoNotRestart; a panic or any other error is abnormal. A
// wrapped child is still a suture.Service, so Services keeps its type and
// the wrapper reads where the child is listed. OTP's rules, which the
// Group follows, for one child b between a and c:
//
//	b is        b ends       b is restarted   when a sibling's failure restarts b's set
//	permanent   any way      yes              b is restarted
//	transient   normally     no ("finished")  b is started again
//	transient   abnormally   yes              b is restarted
//	temporary   any way      no (leaves)      b is stopped and leaves the group
//
// A permanent child that returns an error wrapping ErrDoNotRestart ends
// for good, as it always did, and stays ended when its siblings restart.
// A failure restarts what the Strategy says (one-for-one: b;
// rest-for-one: b and c; one-for-all: a, b and c), minus the temporary
// ones. A temporary child's failure is sent as [EventChildFailed] with
// Ended set and restarts nothing, and it is not counted against the
// restart intensity; a normal end is sent as [EventChildChanged]
// (ChildEnded).
//
// A suture supervisor (from [New]) has no restart types: every end but
// suture.ErrDoNotRestart restarts the service. The wrappers work there
// too, by speaking suture's language: Transient turns a nil return into an
// error wrapping ErrDoNotRestart, so that suture leaves the service ended,
// and Temporary does the same with every end, its panic recovered into the
// error. What suture cannot do is the sibling rules above (it restarts
// only the service that failed) or tell anyone: it sends no event for an
// ErrDoNotRestart.
//
// # Significant children
//
// A Group whose AutoShutdown is [AnySignificant] or [AllSignificant] ends
// on its own when any, or all, of its children marked [Significant] have
// ended (a transient one normally, a temporary one in any way), as OTP's
// auto_shutdown does: the other children stop in reverse order and Serve
// returns nil. A one-shot migration or a batch job so ends its subtree
// cleanly, and [Run] returns nil. A significant child must be transient or
// temporary. A group that ended so is restarted by a parent Group if it is
// permanent there, as OTP restarts a supervisor that shut down; give it to
// its parent as Transient for its end to be final.
//
// # Changing children at run time
//
// [Group.Add] appends a child to a running group, [Group.Remove] stops one
// and takes it out, [Group.Restart] stops one, and the siblings its
// Strategy names, and starts them again (a configuration reload). A child
// is named by its String. Each call returns once the group has taken the
// change; the change itself is made on the group's goroutine, in order with
// its restarts, with the ordering and budget rules of the children it
// started with, and is sent as [EventChildChanged] when it is done. So a
// call never waits for a child's Serve, and a child may call them on
// itself or its siblings. The live tree ([Health.Tree]) shows each change
// as the group makes it, and [Health] counts a Restart's restarts. Errors wrap
// [ErrUnknownChild], [ErrDuplicateChild] and [ErrNotRunning].
//
// Children added at run time last for that Serve, as an OTP supervisor's
// start_child children do: a group its parent restarts starts again from
// Services.
//
// # The stop budget
//
// A program sets one number, [RunConfig].ShutdownTimeout (or a Group's
// StopTimeout when no Run or parent group hands one down), and every stop
// inside the tree is planned from what is left of it; there is no grace to
// add by hand. The budget travels with the context: [StopDeadline] tells a
// stopping service its own deadline. It is split so:
//
//   - Run keeps a twentieth, at most 250ms, to collect its report; the tree
//     gets the rest. A Group keeps back the same from a deadline it is
//     handed, so that it returns with its report before its parent gives
//     up on it.
//   - A Group stops its children one by one, last started first. The child
//     stopping now may use all that is left except, for each child still
//     to stop after it, an equal share of half of what is left: of three
//     children the first to stop gets two thirds, the second three
//     quarters of what then remains, the last all of it. Time a child does
//     not use passes to the ones after it.
//   - A suture supervisor passes its deadline on unchanged to all its
//     children, which it stops together (its own StopTimeout still
//     applies to them).
//   - A listener, or a services.HTTP, drains for all of its share but a
//     quarter (at most 2s), kept to close what is left by force and let
//     the handlers return; an explicit DrainTimeout shortens the drain,
//     never lengthens it ([DrainTimeout]).
//   - A child still running at the end of its share is abandoned, its
//     goroutine left behind, and named in Run's report with its live
//     parts (a stuck connection by its address).
//
// [RunConfig].LameDuck comes before the budget and is not taken from it:
// at the first signal the tree turns not ready ([Health]) but keeps
// serving and accepting for LameDuck, so that a load balancer polling the
// readiness probe stops sending first; then the budget starts. A stop
// takes at most LameDuck plus ShutdownTimeout from the first signal: give
// the process manager that much (Kubernetes' terminationGracePeriodSeconds,
// systemd's TimeoutStopSec). The lame duck is a fixed wait, unrelated to
// the work to stop; taken from the budget, it would shrink every drain
// without anyone having asked for that. A second signal ends the lame
// duck at once and the stop begins; a third cuts the stop short.
//
// # Probes
//
// A [Health] given to [RunConfig].Health follows the tree for probes and
// an admin service: the [Phase] Run is in (ready from the tree's readiness
// to the first stop signal), which supervisors and groups are paused in
// their failure backoff, failures and restarts per service, and the live
// tree ([Health.Tree]). Run hands it down the tree's context, so Groups
// and listeners at any depth report to it on their own; a suture
// supervisor reports to it through [Config].Health.
//
// # Running from main
//
// [Run] serves the root (a Group, a suture supervisor or any service)
// until its context ends or SIGINT or SIGTERM arrives, then cancels the
// tree and waits for it to stop, up to [RunConfig].ShutdownTimeout, after
// the [RunConfig].LameDuck if one is set. A second signal during the stop
// ends the wait at once (during a lame duck, it ends the lame duck). [RunConfig].OnReady
// tells the program when the whole tree is ready; a start failure is Run's
// error.
//
// # systemd
//
// Under systemd with Type=notify (NOTIFY_SOCKET set, a socket path or an
// abstract "@" name), Run speaks systemd's notify protocol on its own, as
// sd_notify(3) does:
//
//   - READY=1 once the whole tree is ready, after [RunConfig].OnReady:
//     systemctl start returns and units ordered after this one start
//     only then, not when the process merely runs;
//   - STOPPING=1 when the stop is asked (the first signal, or ctx's end),
//     before the lame duck;
//   - WATCHDOG=1 every half of WATCHDOG_USEC (WatchdogSec=) from the start
//     until the stop is asked, when WATCHDOG_PID is unset or names this
//     process: systemd checks the watchdog only while the unit runs, and
//     a stop is bounded by TimeoutStopSec instead.
//
// The watchdog is pinged by Run's own loop, so it says that the process
// is alive and its supervision answers; it keeps pinging while a
// supervisor is paused in its failure backoff, since that pause is
// supervision at work: it ends by itself, and letting systemd kill the
// process for it would turn an in-process restart into a restart of every
// service. Probes still see the pause: [Health.Live] is false while it
// lasts. A tree that cannot recover ends Run with an error, and systemd
// restarts the process when main exits non-zero (Restart=on-failure).
//
// With an Upgrader, READY=1 also carries MAINPID, so that a successor
// started by an upgrade becomes the unit's main process; give the unit
// NotifyAccess=all for systemd to accept it from the child. A tree stopped
// by an upgrade does not send STOPPING=1: the service goes on in the
// successor. NOTIFY_SOCKET is left in the environment for that successor.
// Without NOTIFY_SOCKET nothing is sent; on Windows, nothing ever is.
//
// # Upgrading in place
//
// With [RunConfig].Upgrader set (a *tableflip.Upgrader, or seam's
// handoff.Upgrader, whose Bind gives listeners their sockets), SIGHUP
// upgrades the program without refusing a connection: Run starts the
// successor (the binary now at the same path), which inherits every
// listening socket and serves its own tree on them; once that tree is
// ready, this one stops as at a stop signal, lame duck and stop budget
// included. Both accept from the same sockets meanwhile, so a client never
// finds the port closed. A failed upgrade (the successor exits or is not
// ready in time) is logged and this tree keeps serving.
//
// # What did not stop
//
// A service that ignores its context outlives its supervisor's
// StopTimeout; suture then abandons it, its goroutine still running. Run
// returns an error wrapping [ErrUnstopped] that names every such service
// with its supervisor path ("app/cache: warmer"), walking the whole tree
// because suture's own report covers one supervisor only. A service that
// runs parts of its work outside suture's view, as a listener runs its
// connections, implements [WorkReporter] so that its live parts are named
// too ("app/kv: conn 127.0.0.1:5555 (id 7)").
package supervisor
