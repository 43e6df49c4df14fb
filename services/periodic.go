package services

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/internal/logfield"
	"github.com/seamgo/seam/supervisor"
)

// Periodic runs Job every Interval as a [suture.Service], for the
// housekeeping of a server: flushing a log, expiring keys, refreshing a
// cache. A pointer to a Periodic is the service:
//
//	sup.Add(&services.Periodic{Name: "expire", Interval: time.Second, Job: expire})
//
// Runs follow a [time.Ticker]: the first comes one Interval after Serve
// starts, and the later ones stay on that grid, so lateness does not
// accumulate. Runs never overlap. A tick that falls while Job is still
// running is dropped, so a run longer than Interval is followed by the next
// tick of the grid, never by a burst of catch-up runs.
//
// The fields are read, never written, by Serve; do not change them while the
// service runs.
type Periodic struct {
	// Name names the service in logs, errors and String. Default
	// "periodic".
	Name string

	// Interval is the time between runs. Required, greater than zero.
	Interval time.Duration

	// Job is what runs at each tick. Required. It is given the service's ctx and should
	// return soon after that ends. A non-nil error ends Serve with it, so
	// the supervisor sees the fault and restarts the service (the grid
	// starts over). A panic is not recovered here: suture recovers it,
	// counts it as a failure and restarts the service.
	Job func(ctx context.Context) error

	// Logger receives start and stop at debug and configuration errors
	// at error. The zero value logs nothing.
	Logger zerolog.Logger

	// Seams for tests; nil means the real clock.
	newTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
	now       func() time.Time
}

// resolve checks p and fills in the clock: the one place where p's
// fields get their meaning.
func (p *Periodic) resolve() (newTicker func(time.Duration) (<-chan time.Time, func()), now func() time.Time, err error) {
	switch {
	case p.Job == nil:
		return nil, nil, fmt.Errorf("%w: periodic %q", errNoFunc, p.String())
	case p.Interval <= 0:
		return nil, nil, fmt.Errorf("services: %w: periodic %q has Interval %v; want more than 0", supervisor.ErrBadConfig, p.String(), p.Interval)
	}
	newTicker, now = p.newTicker, p.now
	if newTicker == nil {
		newTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if now == nil {
		now = time.Now
	}
	return newTicker, now, nil
}

// String returns Name, or "periodic". It is cheap: a supervisor calls it at
// Add.
func (p *Periodic) String() string {
	if p.Name != "" {
		return p.Name
	}
	return "periodic"
}

// Serve calls Job at every tick of Interval and blocks until ctx ends or
// Job fails.
//
// When ctx ends, Serve waits for a Job in progress to return and returns
// nil, whatever that Job returned. When Job returns an error while ctx is
// live, Serve returns it at once, wrapped with the service's name, so that
// the supervisor restarts the service.
//
// An invalid configuration (nil Job, Interval not above zero) is logged at
// error and returned at once, as an error wrapping [supervisor.ErrBadConfig] and
// suture.ErrDoNotRestart: restarting cannot fix it, so the supervisor
// drops the service.
func (p *Periodic) Serve(ctx context.Context) error {
	name := p.String()
	newTicker, now, err := p.resolve()
	if err != nil {
		p.Logger.Error().Err(err).Str("service", name).Msg("periodic not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	log := p.Logger.With().Str("service", name).Logger()
	ticks, stop := newTicker(p.Interval)
	defer stop()

	log.Debug().Stringer("interval", logfield.Duration(p.Interval)).Msg("periodic started")
	var lastEnd time.Time
	for {
		select {
		case <-ctx.Done():
			log.Debug().Msg("periodic stopped")
			return nil
		case tick := <-ticks:
			// A tick carries the time it was due: one due before the
			// last run ended fell during it, and is dropped.
			if tick.Before(lastEnd) {
				continue
			}
		}
		if ctx.Err() != nil {
			// The tick and the stop came together: the stop wins.
			log.Debug().Msg("periodic stopped")
			return nil
		}
		if err := p.Job(ctx); err != nil {
			if ctx.Err() != nil {
				log.Debug().Err(err).Msg("periodic stopped")
				return nil
			}
			return fmt.Errorf("services: periodic %q: %w", name, err)
		}
		lastEnd = now()
	}
}
