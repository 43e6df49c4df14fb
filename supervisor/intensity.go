package supervisor

import (
	"math"
	"math/rand/v2"
	"time"
)

// intensity counts a group's failures as suture counts a supervisor's: the
// count halves every decay, and a failure that takes it above threshold
// pauses restarts for a backoff. Keeping suture's arithmetic means a Group
// and a suture supervisor given the same numbers tolerate the same faults.
type intensity struct {
	threshold float64
	decay     time.Duration
	failures  float64
	last      time.Time
}

// fail records a failure at now and reports the count and whether it has
// passed the threshold.
func (in *intensity) fail(now time.Time) (failures float64, over bool) {
	if in.last.IsZero() {
		in.failures = 1
	} else {
		intervals := now.Sub(in.last).Seconds() / in.decay.Seconds()
		in.failures = in.failures*math.Pow(.5, intervals) + 1
	}
	in.last = now
	return in.failures, in.failures > in.threshold
}

// jitter adds up to half of d at random, as suture's DefaultJitter does, so
// that siblings that failed together do not come back in lockstep.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + rand.N(d/2+1)
}
