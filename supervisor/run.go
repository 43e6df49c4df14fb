package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/internal/eventhook"
	"github.com/seamgo/seam/internal/logfield"
)

// ErrUnstopped is wrapped by the error [Run] returns when services of the
// tree did not stop. The error's text names each of them with its
// supervisor path.
var ErrUnstopped = errors.New("supervisor: services did not stop")

// RunConfig configures [Run]. Its zero value works: each zero field takes
// the default given beside it.
type RunConfig struct {
	// Logger receives Run's own lines: the start, readiness, the stop and
	// what did not stop. The zero value logs nothing.
	Logger zerolog.Logger

	// ShutdownTimeout is the stop budget of the whole tree: how long Run
	// waits for it to stop. Run hands it down (less a twentieth, at most
	// 250ms, kept to collect the report) as the deadline that [Group]s
	// split among their children and that listeners plan their drain in
	// (see [StopDeadline]). With a *suture.Supervisor root, keep it longer
	// than the root's StopTimeout: the root then finishes its own stop
	// first and the report names exactly the services suture abandoned.
	// Default 15s.
	ShutdownTimeout time.Duration

	// Signals start the stop. Default SIGINT and SIGTERM.
	Signals []os.Signal

	// OnReady, if set, is called once, on Run's goroutine, when the whole
	// tree is ready: when the channel of root's Ready method is closed (a
	// [Group] is ready once all its children are), or as soon as root is
	// started if it has no Ready method, as a *suture.Supervisor has not.
	// It must not block: start what needs readiness on a goroutine of
	// its own. (Run tells systemd itself; see the package documentation.)
	OnReady func()

	// Health, if set, follows the tree for probes and the admin service:
	// Run records its phases there (starting, ready, lame duck, stopping,
	// stopped) and hands it down the tree's context, so that every Group
	// and listener of the tree reports its failures and backoffs to it.
	// It turns not ready at the first stop signal, before the lame duck
	// and before any listener closes its socket.
	Health *Health

	// LameDuck is how long the tree keeps serving, not ready, between the
	// stop signal and the stop: the time a load balancer polling the
	// readiness probe (see Health) needs to stop sending new work, while
	// every listener still accepts. It is spent before the stop budget
	// begins, not taken from it: the process may take LameDuck plus
	// ShutdownTimeout from the first signal to its exit. A second signal
	// during the lame duck ends it at once and the stop begins; a third
	// cuts the stop short. A tree that was never ready has no traffic to
	// turn away: its stop begins at once. Default 0, no lame duck.
	LameDuck time.Duration

	// Upgrader, if set, makes the tree upgradable in place without
	// dropping a connection: at one of UpgradeSignals, Run asks it to
	// start the successor, which inherits every listening socket; once
	// the successor's own tree is ready, this tree stops as at a stop
	// signal, lame duck and stop budget included. Run tells the Upgrader
	// when this tree is ready (Ready), and stops it (Stop) before it
	// returns: it then belongs to Run. A *tableflip.Upgrader
	// (github.com/cloudflare/tableflip), or seam's handoff.Upgrader,
	// which also gives listeners sockets that survive their acceptor's
	// restarts, has the methods. Default nil: no upgrade.
	Upgrader Upgrader

	// UpgradeSignals start an upgrade when Upgrader is set. Default
	// SIGHUP.
	UpgradeSignals []os.Signal

	// notified, if set, is called once the signals are caught; tests send
	// signals to their own process only after it.
	notified func()
}

// resolve checks c and fills in its defaults: the one place where the
// zero values of RunConfig's fields get their meaning.
func (c RunConfig) resolve() (RunConfig, error) {
	if c.ShutdownTimeout < 0 {
		return c, fmt.Errorf("supervisor: %w: ShutdownTimeout %v is negative", ErrBadConfig, c.ShutdownTimeout)
	}
	if c.LameDuck < 0 {
		return c, fmt.Errorf("supervisor: %w: LameDuck %v is negative", ErrBadConfig, c.LameDuck)
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	if len(c.Signals) == 0 {
		c.Signals = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	if c.Upgrader != nil && len(c.UpgradeSignals) == 0 {
		c.UpgradeSignals = []os.Signal{syscall.SIGHUP}
	}
	return c, nil
}

// Run serves root until ctx is done or one of cfg.Signals arrives, then
// stops the tree gracefully. It is meant for main:
//
//	tree := &supervisor.Group{Name: "app", Logger: logger, Services: []suture.Service{db, api}}
//	if err := supervisor.Run(context.Background(), tree, supervisor.RunConfig{Logger: logger}); err != nil {
//		logger.Error().Err(err).Msg("exit")
//		os.Exit(1)
//	}
//
// root is any suture.Service: a [Group] (ordered start and stop, a
// readiness signal, start failures that reach main), a *suture.Supervisor,
// or a single service. Run blocks until the tree has stopped or the stop
// is cut short (below). It starts root itself, so root must never have
// been served: suture serves a supervisor once, and panics when one is
// stopped a second time. It catches cfg.Signals from before root starts
// until it returns, and no longer after: unless the program catches them
// itself, a signal after Run returned ends the process. ctx's values reach
// the services, but its end only starts the stop: Run records the shape of
// the tree before it cancels the tree's context, because suture cannot
// list a tree's services once it is stopping.
//
// To stop, Run sets the tree's stop budget (see [StopDeadline]), cancels
// the tree and waits for root's Serve to return, up to
// cfg.ShutdownTimeout. It returns nil if every service stopped. It logs
// each service that did not stop, with its supervisor path, and returns an
// error wrapping [ErrUnstopped] that names them, if
//
//   - root returned, but a supervisor or group of the tree abandoned
//     services that outlived their stop timeout or share of the budget; a
//     [WorkReporter] among them has its live parts named too;
//   - cfg.ShutdownTimeout passed first; or
//   - one of cfg.Signals arrived during the stop (a second one, if a signal
//     started it): a second request to stop means "stop now".
//
// In the last two cases the tree is still stopping when Run returns; the
// services still stopping are named "not confirmed stopped". Abandoned
// services keep their goroutines: main should exit.
//
// If root's Serve returns before a stop was asked, Run returns its error:
// a [*StartError] (wrapping [ErrStartFailed]) when a Group's child failed
// before it was ever ready, as a port already in use; otherwise, as when a
// service returned [suture.ErrTerminateSupervisorTree], an error wrapping
// root's. A root that returns nil on its own finished its work (a [Group]
// whose significant children ended, see [AutoShutdown]): Run then returns
// nil, or the report of what it abandoned. Run does not log the error it
// returns, so that main, which logs it, logs it once.
//
// Under systemd, Run also tells the service manager when the tree is
// ready, when it stops and that it is alive; see the package
// documentation's systemd section.
func Run(ctx context.Context, root suture.Service, cfg RunConfig) error {
	if root == nil {
		return errors.New("supervisor: Run needs a root service, got nil")
	}
	cfg, err := cfg.resolve()
	if err != nil {
		return err
	}
	r := startTree(ctx, root, cfg)
	defer r.close()
	why, err := r.waitForStop()
	if err != nil || why.what == "ended" {
		return err
	}
	r.notReady()
	if why, err = r.lameDuck(why); err != nil {
		return err
	}
	return r.report(r.stopTree(why))
}

// stopReason is why Run stops the tree, carried from the step that saw it
// to the step that logs it.
type stopReason struct {
	what   string    // "signal", "context", "upgraded", "lame duck over"...
	signal os.Signal // the signal, when one asked for the stop
	cause  error     // the context's cause, when its end asked for it
}

// fields adds the reason to a log line.
func (s stopReason) fields(z *zerolog.Event) *zerolog.Event {
	z = z.Str("reason", s.what)
	if s.signal != nil {
		z = z.Stringer("signal", s.signal)
	}
	if s.cause != nil {
		z = z.AnErr("cause", s.cause)
	}
	return z
}

// run is the state of one Run, from the start of the tree to its report.
// Run's goroutine owns it.
type run struct {
	ctx    context.Context // the caller's: its end asks for the stop
	root   suture.Service
	name   string
	sup    *suture.Supervisor // root, when it is a suture supervisor
	cfg    RunConfig
	log    zerolog.Logger
	health *Health // may be nil

	signals chan os.Signal
	up      *upgrades
	notify  *notifier

	served     <-chan error    // root's Serve result
	ready      <-chan struct{} // root's readiness; nil once seen
	cancelTree context.CancelFunc
	budget     *budget
	notReady   func() // closes what LameDuck returns
}

// startTree catches the signals and starts root, with a context that
// carries the stop budget and the Health and outlives ctx: cancelled
// together with ctx, the tree would be stopping before its shape could be
// recorded for the report.
func startTree(ctx context.Context, root suture.Service, cfg RunConfig) *run {
	r := &run{
		ctx:    ctx,
		root:   root,
		name:   serviceName(root),
		cfg:    cfg,
		log:    cfg.Logger,
		health: cfg.Health,
		// Room for the signal that starts the stop, the one that ends
		// the lame duck and the one that cuts the stop short, even when
		// they all arrive before Run reads any.
		signals: make(chan os.Signal, 3),
	}
	r.sup, _ = root.(*suture.Supervisor)
	signal.Notify(r.signals, cfg.Signals...)
	r.up = startUpgrades(r.log, cfg.Upgrader, cfg.UpgradeSignals)
	r.notify = newNotifier(r.log, cfg.Upgrader != nil)
	if cfg.notified != nil {
		cfg.notified()
	}

	treeCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	treeCtx, r.budget = withBudget(treeCtx)
	treeCtx, r.notReady = withNotReady(treeCtx)
	r.cancelTree = cancel
	if r.health != nil {
		r.health.begin(root)
		treeCtx = eventhook.WithObserver(treeCtx, r.health.observer())
	}
	r.log.Info().Str("supervisor", r.name).Msg("starting")
	r.served = serveRoot(treeCtx, root)
	if r.ready = readyOf(root); r.ready == nil {
		r.ready = closedChan
	}
	return r
}

// close undoes startTree, whichever step Run returned from.
func (r *run) close() {
	r.health.setPhase(PhaseStopped)
	r.cancelTree()
	r.up.stop()
	signal.Stop(r.signals)
}

// waitForStop serves the tree until a stop is asked, marking its
// readiness and running upgrades meanwhile. If the tree ends first, the
// error is what Run returns.
func (r *run) waitForStop() (stopReason, error) {
	watchdog := r.notify.watchdog()
	defer watchdog.Stop()
	var why stopReason
	for why.what == "" {
		select {
		case err := <-r.served:
			return stopReason{what: "ended"}, r.endedAlone(err)
		case <-r.ready:
			r.ready = nil
			r.markReady()
		case <-watchdog.C:
			r.notify.send("WATCHDOG=1")
		case <-r.up.signals:
			r.up.start()
		case err := <-r.up.done:
			r.up.finished(err)
		case <-r.up.exit:
			why = stopReason{what: "upgraded"}
		case <-r.ctx.Done():
			why = stopReason{what: "context", cause: context.Cause(r.ctx)}
		case sig := <-r.signals:
			why = stopReason{what: "signal", signal: sig}
		}
	}
	if why.what != "upgraded" {
		// After an upgrade the service goes on, in the successor.
		r.notify.send("STOPPING=1")
	}
	return why, nil
}

// markReady records that the whole tree is ready, and tells whoever
// waits for it: the Health, the log, the Upgrader, OnReady and the service
// manager, in that order.
func (r *run) markReady() {
	r.health.setPhase(PhaseReady)
	r.log.Info().Str("supervisor", r.name).Msg("tree ready")
	r.up.ready()
	if r.cfg.OnReady != nil {
		r.cfg.OnReady()
	}
	r.notify.ready()
}

// lameDuck keeps a tree that was ready serving, not ready, for
// cfg.LameDuck, and returns what ended the lame duck: its end, a signal
// or the context. A tree never ready, or no lame duck, goes on at once
// with why. If the tree ends by itself meanwhile, the error is what Run
// returns.
func (r *run) lameDuck(why stopReason) (stopReason, error) {
	if r.ready != nil || r.cfg.LameDuck <= 0 {
		return why, nil
	}
	r.health.setPhase(PhaseLameDuck)
	why.fields(r.log.Info()).Str("supervisor", r.name).
		Stringer("lameduck", logfield.Duration(r.cfg.LameDuck)).
		Msg("lame duck: not ready, still serving")
	var ctxDone <-chan struct{}
	if why.what != "context" {
		ctxDone = r.ctx.Done()
	}
	t := time.NewTimer(r.cfg.LameDuck)
	defer t.Stop()
	select {
	case <-t.C:
		return stopReason{what: "lame duck over"}, nil
	case sig := <-r.signals:
		return stopReason{what: "signal during the lame duck", signal: sig}, nil
	case <-ctxDone:
		return stopReason{what: "context during the lame duck"}, nil
	case err := <-r.served:
		return why, r.endedAlone(err)
	}
}

// stopTree sets the stop budget, cancels the tree and waits for it to
// stop, up to cfg.ShutdownTimeout or a further signal. It returns how the
// wait ended, with what the tree was running when the stop began.
func (r *run) stopTree(why stopReason) stopOutcome {
	r.health.setPhase(PhaseStopping)
	why.fields(r.log.Info()).Str("supervisor", r.name).
		Stringer("shutdown_timeout", logfield.Duration(r.cfg.ShutdownTimeout)).
		Msg("stopping")
	var out stopOutcome
	start := time.Now()
	deadline := time.NewTimer(r.cfg.ShutdownTimeout)
	defer deadline.Stop()
	if r.sup != nil {
		out.shape = snapshot(r.sup)
	}
	r.budget.set(start.Add(r.cfg.ShutdownTimeout - reportReserve(r.cfg.ShutdownTimeout)))
	r.cancelTree()

	select {
	case <-r.served:
		out.returned, out.took = true, time.Since(start)
	case <-deadline.C:
		out.cutShort = fmt.Sprintf("shutdown timeout %v passed", logfield.Duration(r.cfg.ShutdownTimeout))
	case sig := <-r.signals:
		out.cutShort = fmt.Sprintf("%v during the stop", sig)
	}
	return out
}

// stopOutcome is how the wait for the tree's stop ended.
type stopOutcome struct {
	shape    *tree         // a supervisor root's tree when the stop began
	returned bool          // root's Serve returned
	took     time.Duration // until it returned
	cutShort string        // why the wait ended first, if root had not returned
}

// report returns nil when every service stopped, and otherwise logs each
// one that did not and returns the error naming them.
func (r *run) report(out stopOutcome) error {
	var rep reporter
	if !out.returned {
		rep.stillStopping(out.shape, r.name, r.root)
		return unstoppedError(r.log, out.cutShort, rep.out)
	}
	if r.sup != nil {
		// Root's Serve has returned, so its report is ready at once.
		sr, _ := r.sup.UnstoppedServiceReport()
		rep.finished(out.shape, sr)
	} else {
		rep.parts("", r.name, r.root)
	}
	if len(rep.out) > 0 {
		return unstoppedError(r.log, "abandoned after their stop timeout", rep.out)
	}
	r.log.Info().Str("supervisor", r.name).Stringer("took", logfield.Duration(out.took)).Msg("stopped")
	return nil
}

// closedChan stands for the readiness of a root without a Ready method.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// reportReserve is the part of the shutdown timeout that Run keeps for
// itself: the tree's budget ends that much earlier, so that a group which
// abandons a stuck child at the end of its budget has returned, and its
// report is exact, before Run's own deadline.
func reportReserve(d time.Duration) time.Duration {
	return min(d/20, 250*time.Millisecond)
}

// serveRoot serves root in the background; its result arrives on the
// channel.
func serveRoot(ctx context.Context, root suture.Service) <-chan error {
	if sup, ok := root.(*suture.Supervisor); ok {
		return sup.ServeBackground(ctx)
	}
	c := make(chan error, 1)
	go func() { c <- root.Serve(ctx) }()
	return c
}

// endedAlone is Run's error for a tree that stopped before it was asked
// to: root's own, with what its supervisors abandoned.
func (r *run) endedAlone(err error) error {
	if err == nil {
		// The root finished its work: a Group whose significant
		// children ended (AutoShutdown), a job run as the root.
		r.log.Info().Str("root", r.name).Msg("tree ended on its own")
	} else if !errors.Is(err, ErrStartFailed) {
		err = fmt.Errorf("supervisor: %s ended before a stop was asked: %w", r.name, err)
	}
	var rep reporter
	if r.sup != nil {
		sr, _ := r.sup.UnstoppedServiceReport() // Serve has returned: no wait
		rep.finished(newTree(r.sup, "", r.name), sr)
	} else {
		rep.parts("", r.name, r.root)
	}
	if len(rep.out) > 0 {
		err = errors.Join(err, unstoppedError(r.log, "abandoned after their stop timeout", rep.out))
	}
	return err
}

// unstoppedError logs each entry and returns the error wrapping
// ErrUnstopped that names them all.
func unstoppedError(log zerolog.Logger, why string, out []unstopped) error {
	names := make([]string, len(out))
	for i, u := range out {
		names[i] = u.String()
		log.Error().
			Str("path", u.path).
			Str("service", u.name).
			Bool("confirmed", !u.unconfirmed).
			Str("reason", why).
			Msg("did not stop")
	}
	if len(names) == 0 {
		return fmt.Errorf("%w (%s)", ErrUnstopped, why)
	}
	return fmt.Errorf("%w (%s): %s", ErrUnstopped, why, strings.Join(names, "; "))
}
