package ctl

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/listener"
)

// Tracker times the handlers of one server: when the last one started and
// when the last one returned. Times are kept as nanoseconds since the
// Tracker was made, on the monotonic clock, so that they can live in
// atomics and be compared with [Tracker.Since] of any other instant.
type Tracker struct {
	base      time.Time
	started   atomic.Int64
	lastStart atomic.Int64
	lastEnd   atomic.Int64
}

// NewTracker returns a Tracker whose clock starts now.
func NewTracker() *Tracker { return &Tracker{base: time.Now()} }

// Since converts t to the Tracker's clock.
func (t *Tracker) Since(at time.Time) int64 { return int64(at.Sub(t.base)) }

// Now is the Tracker's clock now.
func (t *Tracker) Now() int64 { return int64(time.Since(t.base)) }

// Started returns how many handlers have started.
func (t *Tracker) Started() int64 { return t.started.Load() }

// LastStart returns when the most recent handler started, on the Tracker's
// clock; 0 if none has.
func (t *Tracker) LastStart() int64 { return t.lastStart.Load() }

// LastEnd returns when the last handler to return did, on the Tracker's
// clock; 0 if none has.
func (t *Tracker) LastEnd() int64 { return t.lastEnd.Load() }

// Wrap returns h with its start and return timed. The wrapper adds two
// clock reads and three atomic operations per connection, the same for
// every server it wraps.
func (t *Tracker) Wrap(h listener.Handler) listener.Handler {
	return listener.HandlerFunc(func(ctx context.Context, c net.Conn) error {
		t.started.Add(1)
		storeMax(&t.lastStart, t.Now())
		defer func() { storeMax(&t.lastEnd, t.Now()) }()
		return h.ServeConn(ctx, c)
	})
}

// storeMax raises v to n unless it is already later: handlers end on many
// goroutines and the last one to end must win, not the last one to store.
func storeMax(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if old >= n || v.CompareAndSwap(old, n) {
			return
		}
	}
}
