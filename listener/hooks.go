package listener

import (
	"context"
	"runtime"
	"time"

	"github.com/seamgo/seam/internal/pause"
)

// hooks are the seams through which this package's tests replace the
// clock, the OS and sizes that production never changes, held in one
// place as net/http keeps its testHook variables. The zero value is
// production; only tests set a Server's.
type hooks struct {
	// retireAfter is how many connections one connection supervisor
	// takes before a fresh one takes over (see generation); 0 means
	// defaultRetireAfter.
	retireAfter uint32

	// shards is how many connection supervisors take new connections
	// side by side; 0 means GOMAXPROCS.
	shards int

	// sleep is the accept backoff's pause, which wake ends early; it
	// reports false when ctx ended first. nil means pause.Until.
	sleep func(ctx context.Context, d time.Duration, wake <-chan struct{}) bool

	// now is the idle timeout's clock; nil means time.Now.
	now func() time.Time

	// nofile reads the open-file limit, which a test cannot change
	// safely for the whole process; nil means openFileLimit.
	nofile func() (uint64, error)

	// slotFreed, when set, is called each time a connection slot is
	// freed, for tests of the MaxConns bound.
	slotFreed func()

	// held, when set, is called each time the acceptor holds a
	// connection accepted after a Suspend it could not cut short.
	held func()

	// rejectionClosed, when set, is called each time a connection
	// turned away has been closed, for tests of how long a rejection
	// holds its descriptor.
	rejectionClosed func()

	// parked and woken, when set, are called each time a connection
	// has hibernated (its socket on the poller) and each time the poller
	// has handed one back to a connection service, for tests of
	// hibernation's races.
	parked, woken func()

	// leftAsleep, when set, is called each time the poller closes a
	// hibernated connection whose client left without sending a byte.
	leftAsleep func()
}

// resolve fills in production's seams where h leaves them zero.
func (h hooks) resolve() hooks {
	if h.retireAfter == 0 {
		h.retireAfter = defaultRetireAfter
	}
	if h.shards <= 0 {
		h.shards = runtime.GOMAXPROCS(0)
	}
	if h.sleep == nil {
		h.sleep = pause.Until
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.nofile == nil {
		h.nofile = openFileLimit
	}
	return h
}
