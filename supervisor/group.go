package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/internal/eventhook"
	"github.com/seamgo/seam/internal/latch"
)

// ErrStartFailed is wrapped by the error a Group's Serve returns when a
// child failed before it was ever ready; see [StartError].
var ErrStartFailed = errors.New("supervisor: start failed")

// Defaults for the zero fields of a Group.
const (
	defaultStartTimeout = time.Minute
)

// StartError is the error a [Group] returns when one of its children failed
// before it was ever ready: its Serve returned or panicked, or it was not
// ready within the group's StartTimeout. It wraps [ErrStartFailed], the
// child's cause, and suture.ErrTerminateSupervisorTree, so that a suture
// supervisor above the group ends its tree rather than retrying a program
// that cannot start, and [Run] returns the error to main. A nested group's
// start failure is one StartError whose Path runs from the outermost group.
type StartError struct {
	// Path names the child from the outermost group that failed to
	// start: "kv/listener kv".
	Path string
	// Err is the child's cause: its error, its panic, or that it was not
	// ready in time.
	Err error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("supervisor: start of %s failed: %v", e.Path, e.Err)
}

// Unwrap returns ErrStartFailed, the cause and
// suture.ErrTerminateSupervisorTree.
func (e *StartError) Unwrap() []error {
	return []error{ErrStartFailed, e.Err, errTerminateTree}
}

// Group runs a list of services in order, as an OTP supervisor runs its
// children: each child starts once the one before it is ready, and at stop
// the children stop in reverse order, each one's Serve having returned (or
// its share of the stop budget having passed) before the one before it is
// stopped. A child is any suture.Service: a listener, a *suture.Supervisor,
// another Group. A Group is itself a suture.Service with a Ready method, so
// it nests in groups and in suture trees alike, and [Run] serves it as a
// root.
//
// # Readiness
//
// A child is ready once the channel its Ready() <-chan struct{} method
// returns is closed; a child without such a method (a *suture.Supervisor, a
// services.Func) is ready as soon as it is started. A one-shot job (a
// migration, a warm-up) that the next child must wait for closes its Ready
// channel when it is done and returns an error wrapping
// suture.ErrDoNotRestart: it is ready, and ends for good. The group is
// ready once all of its children are.
//
// The group takes a child's Ready channel before each start. A child that
// makes a fresh channel when its Serve returns is awaited afresh at each
// restart; one whose channel stays closed across restarts (a
// listener.Server's does) is taken as ready as soon as it is restarted.
//
// # Failures
//
// A child that fails before it was ever ready fails the start: the children
// already started stop in reverse order and Serve returns a [*StartError].
// A return before readiness fails the start whatever its error, even one
// wrapping suture.ErrDoNotRestart: a listener refuses a bad configuration
// with one. After its first readiness a child's failure (a return, whatever
// the error, or a panic) restarts it, and the children that Strategy names with
// it, counted against the group's restart intensity as suture counts a
// supervisor's: past FailureThreshold failures, decaying by half every
// FailureDecay, restarts wait FailureBackoff. A child that returns an error
// wrapping suture.ErrDoNotRestart ends for good; one that returns an error
// wrapping suture.ErrTerminateSupervisorTree stops the group, which returns
// that error. A child wrapped in [Transient] or [Temporary] follows OTP's
// restart types instead, and [Significant] children can end the group
// (AutoShutdown); see the package documentation.
//
// # Stopping
//
// When its ctx is cancelled the group stops its children in reverse order
// within one stop budget: the deadline that [Run] or a parent Group set
// (see [StopDeadline]), or else StopTimeout from the moment the stop
// begins. Each child gets a share of what is left (see [StopDeadline] and
// the package documentation); a child still running when its share has
// passed is abandoned, its goroutine left behind, and named in Run's report
// with its live parts.
//
// Fields are read when Serve starts. The zero value of every field but
// Services works; a Group must not be copied once served.
type Group struct {
	// Name names the group in logs and stop reports. Default "group".
	Name string

	// Services are the children, in start order.
	Services []suture.Service

	// Strategy is what a failure restarts. Default OneForOne.
	Strategy Strategy

	// AutoShutdown is whether the group ends on its own once its
	// significant children end (see [Significant]). Default NoAutoShutdown.
	AutoShutdown AutoShutdown

	// FailureThreshold, FailureDecay and FailureBackoff are the restart
	// intensity, as suture's Spec: restarts pause for FailureBackoff (plus
	// up to half of it at random) once more than FailureThreshold
	// failures, halving every FailureDecay, have been counted. Defaults
	// 5, 30s and 15s, suture's.
	FailureThreshold float64
	FailureDecay     time.Duration
	FailureBackoff   time.Duration

	// StartTimeout bounds the wait for each child to become ready. A child
	// not ready in time is stopped, and fails the start if it was never
	// ready before. Default 1m.
	StartTimeout time.Duration

	// StopTimeout is the group's stop budget when nothing above it set one
	// (a plain suture supervisor, or a restart of some of its children).
	// Under [Run] or another Group the budget they hand down applies; a
	// StopTimeout set here shortens it, never lengthens it. Default 10s,
	// suture's stop timeout.
	StopTimeout time.Duration

	// Logger receives the group's events through [EventHook], and its
	// start and stop. The zero value logs nothing.
	Logger zerolog.Logger

	mu        sync.Mutex
	ready     latch.Latch // closed at the first time every child was ready
	everReady []bool      // per child: ready at least once, across Serves
	serving   *groupRun
	left      []unstopped // what the last stop abandoned
}

// groupConfig is a Group's fields with defaults filled in.
type groupConfig struct {
	name         string
	services     []spec
	strategy     Strategy
	autoShutdown AutoShutdown
	intensity    intensity
	backoff      time.Duration
	startTimeout time.Duration
	stopTimeout  time.Duration
	explicitStop bool
	log          zerolog.Logger
	hook         suture.EventHook
	observe      suture.EventHook // the tree's observer (Run's Health), fed by hook too; may be nil
}

// resolve validates g and fills in defaults: the one place where the zero
// values of Group's fields get their meaning. The fields a Group shares
// with a supervisor's Config are validated and defaulted as Config's are.
func (g *Group) resolve() (groupConfig, error) {
	name := g.String()
	shared := Config{
		FailureThreshold: g.FailureThreshold,
		FailureDecay:     g.FailureDecay,
		FailureBackoff:   g.FailureBackoff,
		StopTimeout:      g.StopTimeout,
	}
	var errs []error
	shared, err := shared.resolve()
	if err != nil {
		errs = append(errs, fmt.Errorf("group %s: %w", name, err))
	}
	specs := make([]spec, len(g.Services))
	for i, svc := range g.Services {
		specs[i] = specOf(svc)
		if err := specs[i].validate(); err != nil {
			errs = append(errs, fmt.Errorf("supervisor: %w: group %s: Services[%d] %w", ErrBadConfig, name, i, err))
		}
	}
	if g.AutoShutdown > AllSignificant {
		errs = append(errs, fmt.Errorf("supervisor: %w: group %s: unknown AutoShutdown %d", ErrBadConfig, name, g.AutoShutdown))
	}
	if g.Strategy > OneForAll {
		errs = append(errs, fmt.Errorf("supervisor: %w: group %s: unknown Strategy %d", ErrBadConfig, name, g.Strategy))
	}
	if g.StartTimeout < 0 {
		errs = append(errs, fmt.Errorf("supervisor: %w: group %s: StartTimeout %v is negative", ErrBadConfig, name, g.StartTimeout))
	}
	if len(errs) > 0 {
		return groupConfig{}, errors.Join(errs...)
	}
	c := groupConfig{
		name:         name,
		services:     specs,
		strategy:     g.Strategy,
		autoShutdown: g.AutoShutdown,
		intensity:    intensity{threshold: shared.FailureThreshold, decay: shared.FailureDecay},
		backoff:      shared.FailureBackoff,
		startTimeout: g.StartTimeout,
		stopTimeout:  shared.StopTimeout,
		explicitStop: g.StopTimeout > 0,
		log:          g.Logger.With().Str("group", name).Logger(),
		hook:         EventHook(g.Logger),
	}
	if c.startTimeout == 0 {
		c.startTimeout = defaultStartTimeout
	}
	return c, nil
}

// Serve starts the children in order and supervises them until ctx is
// cancelled, then stops them in reverse order within the stop budget and
// returns nil. It returns early with a [*StartError] when a child fails
// before it was ever ready, having stopped the children it started; with
// the error of a child that returned suture.ErrTerminateSupervisorTree; and
// with an error wrapping [ErrBadConfig] (and ErrStartFailed) for a bad
// configuration, before it starts anything.
//
// Serve returns once every child has returned or been abandoned at the end
// of its share of the budget. It must not be called again before it has
// returned; a second concurrent call returns an error wrapping [ErrAlreadyServing].
func (g *Group) Serve(ctx context.Context) error {
	cfg, err := g.resolve()
	if err != nil {
		// Not logged: a StartError always reaches the caller of the
		// root (Run's, main), which logs it once.
		return &StartError{Path: g.String(), Err: err}
	}
	cfg.observe = eventhook.Observer(ctx)
	cfg.hook = eventhook.Then(cfg.hook, cfg.observe)
	r, err := g.begin(cfg)
	if err != nil {
		return err
	}
	defer g.end(r)
	return r.serve(ctx)
}

// begin records the start of a Serve and returns its state.
func (g *Group) begin(cfg groupConfig) (*groupRun, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.serving != nil {
		return nil, fmt.Errorf("supervisor: group %s: %w", cfg.name, ErrAlreadyServing)
	}
	if len(g.everReady) != len(cfg.services) {
		g.everReady = make([]bool, len(cfg.services))
	}
	r := newGroupRun(g, cfg)
	g.serving = r
	return r, nil
}

// end records what the finished Serve left running, for reports.
func (g *Group) end(r *groupRun) {
	close(r.gone)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.serving = nil
	g.left = r.abandoned
}

// markChildReady records that the child in Services[i] was ready: a child
// ready in an earlier Serve of the group (before its parent restarted it)
// fails afterwards as a fault, not as a start failure.
func (g *Group) markChildReady(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.everReady[i] = true
}

// Ready returns a channel that is closed once every child has been ready
// at the same time, at the end of the group's first start. It may be
// called before Serve, and stays closed across restarts.
func (g *Group) Ready() <-chan struct{} {
	return g.ready.Done()
}

// String returns Name, or "group".
func (g *Group) String() string {
	if g.Name != "" {
		return g.Name
	}
	return "group"
}

// childView is one child of a Group as the live tree shows it.
type childView struct {
	svc     suture.Service
	state   string // as Node.State has it
	restart restartType
}

// children returns the name under which g's children run and each child
// in start order: with the states its running Serve holds, or "stopped"
// when it is not serving.
func (g *Group) children() (name string, kids []childView) {
	g.mu.Lock()
	r := g.serving
	g.mu.Unlock()
	if r == nil {
		for _, svc := range g.Services {
			if sp := specOf(svc); sp.svc != nil {
				kids = append(kids, childView{sp.svc, "stopped", sp.restart})
			}
		}
		return g.String(), kids
	}
	return r.cfg.name, r.children()
}

// report returns what did not stop, with paths from the group's name: the
// children abandoned by the last stop once Serve has returned; while it
// runs, the children abandoned so far and those still running, not
// confirmed stopped.
func (g *Group) report() []unstopped {
	g.mu.Lock()
	r, left := g.serving, g.left
	g.mu.Unlock()
	if r == nil {
		return left
	}
	return r.report()
}

// errTerminateTree lets suture's sentinel ride along in a StartError's
// chain, so that suture acts on it, without adding its text to the
// message.
var errTerminateTree = wrapOnly{suture.ErrTerminateSupervisorTree}

type wrapOnly struct{ err error }

func (w wrapOnly) Error() string { return "" }
func (w wrapOnly) Unwrap() error { return w.err }
