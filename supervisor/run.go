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
	// Logger receives Run's own lines: the start, the stop and what did not
	// stop. The zero value logs nothing.
	Logger zerolog.Logger

	// ShutdownTimeout is how long Run waits for the tree to stop. Keep it
	// longer than the tree's StopTimeout: the root then finishes its stop
	// first and the report names exactly the services suture abandoned.
	// Default 15s, 5s longer than the default StopTimeout.
	ShutdownTimeout time.Duration

	// Signals start the stop. Default SIGINT and SIGTERM.
	Signals []os.Signal

	// notified, if set, is called once the signals are caught; tests send
	// signals to their own process only after it.
	notified func()
}

func (c RunConfig) validate() error {
	if c.ShutdownTimeout < 0 {
		return fmt.Errorf("%w: ShutdownTimeout %v is negative", ErrInvalidConfig, c.ShutdownTimeout)
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
	return c
}

// Run serves root until ctx is done or one of cfg.Signals arrives, then
// stops the tree gracefully. It is meant for main:
//
//	root := supervisor.New("app", supervisor.Config{Logger: logger})
//	root.Add(...)
//	if err := supervisor.Run(context.Background(), root, supervisor.RunConfig{Logger: logger}); err != nil {
//		logger.Error().Err(err).Msg("exit")
//		os.Exit(1)
//	}
//
// Run blocks until the tree has stopped or the stop is cut short (below).
// It starts root itself, so root must never have been served: suture
// serves a supervisor once, and panics when one is stopped a second time.
// It catches cfg.Signals from before root starts until it returns, and no
// longer after: unless the program catches them itself, a signal after Run
// returned ends the process. ctx's values reach the services, but its
// end only starts the stop: Run records the shape of the tree before it
// cancels the tree's context, because suture cannot list a tree's services
// once it is stopping.
//
// To stop, Run cancels the tree and waits for root's Serve to return, up to
// cfg.ShutdownTimeout. It returns nil if every service stopped. It logs each
// service that did not stop, with its supervisor path, and returns an error
// wrapping [ErrUnstopped] that names them, if
//
//   - root returned, but a supervisor of the tree abandoned services that
//     outlived its StopTimeout; a [PartsReporter] among them has its live
//     parts named too;
//   - cfg.ShutdownTimeout passed first; or
//   - one of cfg.Signals arrived during the stop (a second one, if a signal
//     started it): a second request to stop means "stop now".
//
// In the last two cases the tree is still stopping when Run returns; the
// services of a supervisor still stopping are named "not confirmed
// stopped". Abandoned services keep their goroutines: main should exit.
//
// If root's Serve returns before a stop was asked, because a service
// returned [suture.ErrTerminateSupervisorTree], Run returns an error
// wrapping root's error.
func Run(ctx context.Context, root *suture.Supervisor, cfg RunConfig) error {
	if root == nil {
		return errors.New("supervisor: Run needs a root supervisor, got nil")
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger

	// Room for the signal that starts the stop and the one that cuts it
	// short, even when both arrive before Run reads either.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, cfg.Signals...)
	defer signal.Stop(signals)
	if cfg.notified != nil {
		cfg.notified()
	}

	// The tree must outlive ctx: cancelled together, the tree would be
	// stopping before its shape could be recorded.
	treeCtx, cancelTree := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTree()
	served := root.ServeBackground(treeCtx)
	log.Info().Str("supervisor", root.Name).Msg("serving")

	var z *zerolog.Event
	select {
	case err := <-served:
		return endedAlone(log, root, err)
	case <-ctx.Done():
		z = log.Info().Str("reason", "context").AnErr("cause", context.Cause(ctx))
	case sig := <-signals:
		z = log.Info().Str("reason", "signal").Stringer("signal", sig)
	}
	z.Str("supervisor", root.Name).Dur("shutdown_timeout", cfg.ShutdownTimeout).Msg("stopping")

	start := time.Now()
	deadline := time.NewTimer(cfg.ShutdownTimeout)
	defer deadline.Stop()
	shape := snapshot(root)
	cancelTree()

	var r reporter
	var why string
	select {
	case <-served:
		// Root's Serve has returned, so its report is ready at once.
		rep, _ := root.UnstoppedServiceReport()
		r.finished(shape, rep)
		if len(r.out) == 0 {
			log.Info().Str("supervisor", root.Name).Dur("took", time.Since(start)).Msg("stopped")
			return nil
		}
		why = "abandoned after their stop timeout"
	case <-deadline.C:
		r.stopping(shape)
		why = fmt.Sprintf("shutdown timeout %v passed", cfg.ShutdownTimeout)
	case sig := <-signals:
		r.stopping(shape)
		why = fmt.Sprintf("%v during the stop", sig)
	}
	return unstoppedError(log, why, r.out)
}

// endedAlone reports a tree that stopped before it was asked to.
func endedAlone(log zerolog.Logger, root *suture.Supervisor, err error) error {
	log.Error().Str("supervisor", root.Name).Err(err).Msg("tree ended by itself")
	err = fmt.Errorf("supervisor: %s ended before a stop was asked: %w", root.Name, err)
	var r reporter
	rep, _ := root.UnstoppedServiceReport() // Serve has returned: no wait
	r.finished(newTree(root, "", root.Name), rep)
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
