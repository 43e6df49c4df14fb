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
	// It must not block: start what needs readiness (a readiness probe,
	// sd_notify) on a goroutine of its own.
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

func (c RunConfig) validate() error {
	if c.ShutdownTimeout < 0 {
		return fmt.Errorf("supervisor: %w: ShutdownTimeout %v is negative", ErrBadConfig, c.ShutdownTimeout)
	}
	if c.LameDuck < 0 {
		return fmt.Errorf("supervisor: %w: LameDuck %v is negative", ErrBadConfig, c.LameDuck)
	}
	return nil
}

// withDefaults is the one place where zero fields of a RunConfig become
// defaults.
func (c RunConfig) withDefaults() RunConfig {
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	if len(c.Signals) == 0 {
		c.Signals = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	if c.Upgrader != nil && len(c.UpgradeSignals) == 0 {
		c.UpgradeSignals = []os.Signal{syscall.SIGHUP}
	}
	return c
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
// root's.
func Run(ctx context.Context, root suture.Service, cfg RunConfig) error {
	if root == nil {
		return errors.New("supervisor: Run needs a root service, got nil")
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger
	name := serviceName(root)
	sup, _ := root.(*suture.Supervisor)

	// Room for the signal that starts the stop, the one that ends the
	// lame duck and the one that cuts the stop short, even when they all
	// arrive before Run reads any.
	signals := make(chan os.Signal, 3)
	signal.Notify(signals, cfg.Signals...)
	defer signal.Stop(signals)
	up := startUpgrades(log, cfg.Upgrader, cfg.UpgradeSignals)
	defer up.stop()
	if cfg.notified != nil {
		cfg.notified()
	}

	// The tree must outlive ctx: cancelled together, the tree would be
	// stopping before its shape could be recorded.
	treeCtx, cancelTree := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTree()
	treeCtx, stopBudget := withBudget(treeCtx)
	health := cfg.Health
	defer health.setPhase(PhaseStopped)
	if health != nil {
		health.begin(root)
		treeCtx = withHealth(treeCtx, health)
	}
	served := serveRoot(treeCtx, root)
	log.Info().Str("supervisor", name).Msg("serving")
	ready := readyOf(root)
	if ready == nil {
		ready = closedChan
	}

	var z *zerolog.Event
	byContext := false
wait:
	for {
		select {
		case err := <-served:
			return endedAlone(log, root, err)
		case <-ready:
			ready = nil
			health.setPhase(PhaseReady)
			log.Info().Str("supervisor", name).Msg("tree ready")
			up.ready()
			if cfg.OnReady != nil {
				cfg.OnReady()
			}
		case <-up.signals:
			up.start()
		case err := <-up.done:
			up.finished(err)
		case <-up.exit:
			z = log.Info().Str("reason", "upgraded")
			break wait
		case <-ctx.Done():
			z = log.Info().Str("reason", "context").AnErr("cause", context.Cause(ctx))
			byContext = true
			break wait
		case sig := <-signals:
			z = log.Info().Str("reason", "signal").Stringer("signal", sig)
			break wait
		}
	}
	if ready == nil && cfg.LameDuck > 0 {
		health.setPhase(PhaseLameDuck)
		z.Str("supervisor", name).Stringer("lameduck", cfg.LameDuck).Msg("lame duck: not ready, still serving")
		var ctxDone <-chan struct{}
		if !byContext {
			ctxDone = ctx.Done()
		}
		var err error
		if z, err = lameDuck(log, cfg.LameDuck, served, signals, ctxDone); z == nil {
			return endedAlone(log, root, err)
		}
	}
	health.setPhase(PhaseStopping)
	z.Str("supervisor", name).Stringer("shutdown_timeout", cfg.ShutdownTimeout).Msg("stopping")

	start := time.Now()
	deadline := time.NewTimer(cfg.ShutdownTimeout)
	defer deadline.Stop()
	var shape *tree
	if sup != nil {
		shape = snapshot(sup)
	}
	stopBudget.set(start.Add(cfg.ShutdownTimeout - reportReserve(cfg.ShutdownTimeout)))
	cancelTree()

	var r reporter
	var why string
	select {
	case <-served:
		if sup != nil {
			// Root's Serve has returned, so its report is ready at once.
			rep, _ := sup.UnstoppedServiceReport()
			r.finished(shape, rep)
		} else {
			r.parts("", name, root)
		}
		if len(r.out) == 0 {
			log.Info().Str("supervisor", name).Stringer("took", time.Since(start).Round(time.Microsecond)).Msg("stopped")
			return nil
		}
		why = "abandoned after their stop timeout"
	case <-deadline.C:
		r.stillStopping(shape, name, root)
		why = fmt.Sprintf("shutdown timeout %v passed", cfg.ShutdownTimeout)
	case sig := <-signals:
		r.stillStopping(shape, name, root)
		why = fmt.Sprintf("%v during the stop", sig)
	}
	return unstoppedError(log, why, r.out)
}

// lameDuck waits out the lame duck d, while the tree keeps serving. It
// returns the start of the "stopping" line, saying what ended it: d
// passing, a signal, or ctxDone. If the tree ended by itself first, it
// returns nil and the root's error.
func lameDuck(log zerolog.Logger, d time.Duration, served <-chan error, signals <-chan os.Signal, ctxDone <-chan struct{}) (*zerolog.Event, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return log.Info().Str("reason", "lame duck over"), nil
	case sig := <-signals:
		return log.Info().Str("reason", "signal during the lame duck").Stringer("signal", sig), nil
	case <-ctxDone:
		return log.Info().Str("reason", "context during the lame duck"), nil
	case err := <-served:
		return nil, err
	}
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

// stillStopping adds what a root that has not returned may still run: the
// snapshot of a supervisor, or the report of a group or the parts of a
// service.
func (r *reporter) stillStopping(shape *tree, name string, root suture.Service) {
	if shape != nil {
		r.stopping(shape)
		return
	}
	if _, ok := root.(*Group); !ok {
		r.out = append(r.out, unstopped{name: name, unconfirmed: true})
	}
	r.parts("", name, root)
}

// endedAlone reports a tree that stopped before it was asked to.
func endedAlone(log zerolog.Logger, root suture.Service, err error) error {
	name := serviceName(root)
	if errors.Is(err, ErrStartFailed) {
		log.Error().Str("supervisor", name).Err(err).Msg("start failed")
	} else {
		log.Error().Str("supervisor", name).Err(err).Msg("tree ended by itself")
		err = fmt.Errorf("supervisor: %s ended before a stop was asked: %w", name, err)
	}
	var r reporter
	if sup, ok := root.(*suture.Supervisor); ok {
		rep, _ := sup.UnstoppedServiceReport() // Serve has returned: no wait
		r.finished(newTree(sup, "", name), rep)
	} else {
		r.parts("", name, root)
	}
	if len(r.out) > 0 {
		err = errors.Join(err, unstoppedError(log, "abandoned after their stop timeout", r.out))
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
