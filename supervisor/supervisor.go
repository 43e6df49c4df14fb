package supervisor

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/internal/eventhook"
	"github.com/thejerf/suture/v4"
)

// suture's own defaults. A supervisor built by New leaves zero fields to
// suture, which fills in these; a Group, which counts its failures itself,
// takes them in resolve so that it tolerates what a suture supervisor
// does.
const (
	defaultFailureThreshold = 5
	defaultFailureDecay     = 30 * time.Second
	defaultFailureBackoff   = 15 * time.Second
	defaultStopTimeout      = 10 * time.Second

	// Longer than defaultStopTimeout so that, with default settings, the
	// root finishes its own stop first and Run's report comes from suture,
	// naming exactly the services it abandoned rather than every service
	// that might not have stopped.
	defaultShutdownTimeout = defaultStopTimeout + 5*time.Second
)

// Config configures a supervisor built by [New]. Its zero value works: each
// zero field takes the default given beside it.
type Config struct {
	// Logger receives the supervisor's events through [EventHook]. The zero
	// value logs nothing.
	Logger zerolog.Logger

	// FailureThreshold is how many failures, decaying over FailureDecay,
	// the supervisor tolerates before it pauses all restarts for
	// FailureBackoff (suture's Spec.FailureThreshold). Default 5.
	FailureThreshold float64

	// FailureDecay is the half-life of the failure count. Default 30s.
	FailureDecay time.Duration

	// FailureBackoff is how long restarts pause once FailureThreshold is
	// passed; suture adds up to 50% jitter. Default 15s.
	FailureBackoff time.Duration

	// StopTimeout is how long the supervisor waits for its services to
	// return once it is stopping (suture's Spec.Timeout). A service still
	// running after it is abandoned, its goroutine left behind, and named
	// in the supervisor's UnstoppedServiceReport. Default 10s.
	//
	// Give a child supervisor a shorter StopTimeout than its parent's:
	// the parent then sees the child return, and [Run]'s report names
	// exactly what the child abandoned. With equal timeouts the parent may
	// give up on the child first, and the report can only name every
	// service the child ran as not confirmed stopped.
	StopTimeout time.Duration

	// Health, when set, also receives the supervisor's events (see
	// [Health.Observe]), so that its backoffs and restarts reach the
	// admin service. A Group and a listener under [Run] find Run's Health
	// on their own; a suture supervisor, whose hook is fixed when it is
	// built, needs it here. A child supervisor takes its parent's hook
	// when added, so the root's Health covers its subtree.
	Health *Health
}

// Validate reports every field of c that cannot work: a negative duration
// or a threshold that is negative, NaN or infinite. The error wraps
// [ErrBadConfig]. Zero fields are valid: they take defaults.
//
// [New] does not call Validate, because it has no error to return; call it
// when c comes from outside the program (flags, files) and refuse to start
// if it fails.
func (c Config) Validate() error {
	var errs []error
	if t := c.FailureThreshold; t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
		errs = append(errs, fmt.Errorf("supervisor: %w: FailureThreshold %v must be a finite number >= 0", ErrBadConfig, t))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"FailureDecay", c.FailureDecay},
		{"FailureBackoff", c.FailureBackoff},
		{"StopTimeout", c.StopTimeout},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("supervisor: %w: %s %v is negative", ErrBadConfig, d.name, d.value))
		}
	}
	return errors.Join(errs...)
}

// resolve checks c and fills its zero fields with suture's defaults, as
// suture would. A Group uses it, since it counts its failures itself; New
// leaves the zero fields to suture.
func (c Config) resolve() (Config, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = defaultFailureThreshold
	}
	if c.FailureDecay == 0 {
		c.FailureDecay = defaultFailureDecay
	}
	if c.FailureBackoff == 0 {
		c.FailureBackoff = defaultFailureBackoff
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = defaultStopTimeout
	}
	return c, nil
}

// spec translates c into suture's terms. Zero fields stay zero, and suture
// fills in its own defaults. The hook is always set, even for a zero
// Logger, because suture's default hook writes to the standard library's
// global logger.
func (c Config) spec() suture.Spec {
	return suture.Spec{
		EventHook:        eventhook.Then(EventHook(c.Logger), c.Health.observer()),
		FailureThreshold: c.FailureThreshold,
		FailureDecay:     c.FailureDecay.Seconds(),
		FailureBackoff:   c.FailureBackoff,
		Timeout:          c.StopTimeout,
	}
}

// New returns a suture supervisor named name, configured by cfg, whose
// events are logged to cfg.Logger by [EventHook]. Zero fields of cfg take
// their defaults; other values are passed to suture as they are, unchecked
// (see [Config.Validate]).
//
// The result is suture's own type: Add, Remove and ServeBackground it, add
// it to another supervisor, or hand it to [Run]. When it is added to
// another supervisor, suture replaces its event hook with the parent's, so
// a whole tree logs to the root's Logger and cfg.Logger of a child goes
// unused; its other settings stay its own.
func New(name string, cfg Config) *suture.Supervisor {
	return suture.New(name, cfg.spec())
}
