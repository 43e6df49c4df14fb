package services

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/internal/latch"
	"github.com/seamgo/seam/internal/logfield"
	"github.com/seamgo/seam/internal/pause"
	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

// Defaults for the zero fields of a [Retry].
const (
	defaultRetryMinDelay   = 100 * time.Millisecond
	defaultRetryMaxDelay   = time.Second
	defaultRetryMaxRetries = 30
	// A run this many times MaxDelay long counts as healthy.
	healthyRunDelays = 10
)

// Retry is a restart policy of its own for one service: when Service fails
// it is started again in place, after a pause that starts at MinDelay and
// doubles up to MaxDelay, and only after MaxRetries such retries in a row
// does the failure reach the supervisor. A pointer to a Retry is the
// service:
//
//	sup.Add(&services.Retry{Service: aofWriter, Logger: log})
//
// It is for a service that fails often but briefly, such as a writer on a
// disk that fills up and is freed again. suture and [supervisor.Group]
// count restart intensity per supervisor: five quick failures of one child
// pause the restarts of every child for FailureBackoff (15s by default),
// so the writer would stay down long after the disk was back. Wrapped in a
// Retry it is back within MaxDelay of the disk, and its supervisor sees at
// most one failure per MaxRetries retries; with the defaults (about 27s of
// retrying) and suture's (a failure count halving every 30s, a threshold
// of 5) that never reaches the threshold, however long the fault lasts.
//
// A run of Service that lasted at least Healthy is a success: the next
// failure starts again from MinDelay and counts from one.
//
// Some returns are never retried: Serve returns them at once, unchanged.
//   - Anything once ctx has ended: the service is stopping.
//   - An error wrapping suture.ErrDoNotRestart or
//     suture.ErrTerminateSupervisorTree: the service asked for it.
//   - Any return before the service was ready (see Ready): a start
//     failure, such as a corrupt file or a busy port, is the start's to
//     report, as [supervisor.Group] does, not a fault to wait out.
//
// A panic of Service is not recovered here: it reaches the supervisor,
// which counts it and restarts the Retry.
//
// Retry forwards Ready and LiveWork (supervisor.WorkReporter) to Service,
// so a Group orders it and a stop report names its parts as if it were
// Service itself, and its String is Service's. Wrap a leaf service, not a
// supervisor or a Group: those restart their own children, and a
// *suture.Supervisor cannot be served twice.
//
// Fields are read when Serve starts; the zero value of every field but
// Service works.
type Retry struct {
	// Service is the service retried. Required.
	Service suture.Service

	// MinDelay is the pause before the first retry of a series. Default
	// 100ms.
	MinDelay time.Duration

	// MaxDelay caps the pause, which doubles at each retry. Default 1s, or
	// MinDelay if that is longer.
	MaxDelay time.Duration

	// MaxRetries is how many retries in a row Serve makes before it
	// returns the failure to its supervisor. Default 30; a negative
	// value means no cap, so the supervisor never sees the failure.
	MaxRetries int

	// Healthy is how long a run must last to count as a success and
	// start the next series of retries afresh. Default ten times
	// MaxDelay.
	Healthy time.Duration

	// Logger receives the retries: the first failure of a series and then
	// those whose count is a power of two, at warn, and the return of the
	// failure to the supervisor. The zero value logs nothing.
	Logger zerolog.Logger

	// Seams for tests; nil means the real clock.
	sleep func(ctx context.Context, d time.Duration) bool
	now   func() time.Time

	ready latch.Latch // closed at Service's first start, for a Service without Ready
}

// retryConfig is a Retry's fields with defaults filled in.
type retryConfig struct {
	minDelay, maxDelay, healthy time.Duration
	maxRetries                  int
	sleep                       func(ctx context.Context, d time.Duration) bool
	now                         func() time.Time
}

// resolve validates r and fills in defaults.
func (r *Retry) resolve() (retryConfig, error) {
	switch {
	case r.Service == nil:
		return retryConfig{}, fmt.Errorf("services: %w: retry %q has no Service", supervisor.ErrBadConfig, r.String())
	case r.MinDelay < 0 || r.MaxDelay < 0 || r.Healthy < 0:
		return retryConfig{}, fmt.Errorf("services: %w: retry %q has a negative MinDelay, MaxDelay or Healthy", supervisor.ErrBadConfig, r.String())
	}
	c := retryConfig{
		minDelay: r.MinDelay, maxDelay: r.MaxDelay, healthy: r.Healthy,
		maxRetries: r.MaxRetries, sleep: r.sleep, now: r.now,
	}
	if c.minDelay == 0 {
		c.minDelay = defaultRetryMinDelay
	}
	if c.maxDelay == 0 {
		c.maxDelay = defaultRetryMaxDelay
	}
	c.maxDelay = max(c.maxDelay, c.minDelay)
	if c.healthy == 0 {
		c.healthy = healthyRunDelays * c.maxDelay
	}
	if c.maxRetries == 0 {
		c.maxRetries = defaultRetryMaxRetries
	}
	if c.sleep == nil {
		c.sleep = pause.For
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// String returns Service's name, so that events, logs and stop reports
// name the service as they would without the Retry; "retry" without a
// Service.
func (r *Retry) String() string {
	if r.Service == nil {
		return "retry"
	}
	return serviceName(r.Service)
}

// Ready returns Service's Ready channel if it has one; otherwise a channel
// closed once Service has first been started, which is when a
// [supervisor.Group] takes a service without Ready to be ready. It may be
// called before Serve.
func (r *Retry) Ready() <-chan struct{} {
	if rs, ok := r.Service.(interface{ Ready() <-chan struct{} }); ok {
		return rs.Ready()
	}
	return r.ready.Done()
}

// LiveWork returns Service's live parts if it reports any (see
// supervisor.WorkReporter), and nil otherwise. It is safe for concurrent
// use as Service's is.
func (r *Retry) LiveWork() []string {
	if w, ok := r.Service.(interface{ LiveWork() []string }); ok {
		return w.LiveWork()
	}
	return nil
}

// Serve runs Service, and runs it again in place after each failure, with
// the pauses described at [Retry], until ctx ends or the failure is one
// not to retry. It returns:
//
//   - what Service returned, once ctx has ended; a pause in progress is cut
//     short by ctx and Serve returns nil;
//   - Service's error, unchanged, when it is not retried (see [Retry]);
//   - after MaxRetries retries in a row, Service's last error, wrapped with
//     the count, so that the supervisor restarts the Retry (which starts a
//     fresh series).
//
// A missing Service is an error wrapping [supervisor.ErrBadConfig] and
// suture.ErrDoNotRestart. Serve blocks for as long as Service's Serve and
// the pauses do; it must not be called concurrently with itself.
func (r *Retry) Serve(ctx context.Context) error {
	cfg, err := r.resolve()
	if err != nil {
		r.Logger.Error().Err(err).Msg("retry not started")
		return fmt.Errorf("%w: %w", err, suture.ErrDoNotRestart)
	}
	name := r.String()
	log := r.Logger.With().Str("service", name).Logger()
	ready := r.Ready()
	failures := 0 // in a row, since the last healthy run
	delay := time.Duration(0)
	for {
		r.started()
		began := cfg.now()
		err := r.Service.Serve(ctx)
		if ctx.Err() != nil || !retriable(err) || !isClosed(ready) {
			return err
		}
		if cfg.now().Sub(began) >= cfg.healthy {
			failures, delay = 0, 0
		}
		if cfg.maxRetries > 0 && failures >= cfg.maxRetries {
			log.Error().Err(err).Int("failures", failures+1).
				Msg("still failing after retries in place; returning the failure to the supervisor")
			return fmt.Errorf("services: %s failed %d times in a row: %w", name, failures+1, err)
		}
		failures++
		delay = pause.Doubling(delay, cfg.minDelay, cfg.maxDelay)
		if bits.OnesCount(uint(failures)) == 1 {
			log.Warn().Err(err).Int("failures", failures).Stringer("retry_in", logfield.Duration(delay)).
				Msg("service failed; retrying in place")
		}
		if !cfg.sleep(ctx, delay) {
			return nil
		}
	}
}

// started closes the Ready channel of a Service that has none of its own.
func (r *Retry) started() {
	if _, ok := r.Service.(interface{ Ready() <-chan struct{} }); ok {
		return
	}
	r.ready.Close()
}

// retriable reports whether a failure may be retried in place: not one by
// which the service asks to end, or to end its tree.
func retriable(err error) bool {
	return !errors.Is(err, suture.ErrDoNotRestart) && !errors.Is(err, suture.ErrTerminateSupervisorTree)
}

// serviceName is how suture names svc.
func serviceName(svc suture.Service) string {
	if s, ok := svc.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%#v", svc)
}
