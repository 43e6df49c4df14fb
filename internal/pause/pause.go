// Package pause holds the timed pauses of seam's services: For, a timer
// that ends early when the caller's ctx does, so a backoff never holds up a
// stop; Until, which also ends when the cause of the pause may be gone;
// and Doubling, the backoff's rule.
package pause

import (
	"context"
	"time"
)

// For pauses for d and reports true, or returns false as soon as ctx ends.
func For(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Until pauses for d, or until wake delivers, and reports true; it
// returns false as soon as ctx ends. A nil wake never delivers: Until is
// then For.
func Until(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		return ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}

// Doubling is the pause after last in a backoff that starts at lo and
// doubles up to hi: lo after none (last 0), then twice the last, at most hi.
func Doubling(last, lo, hi time.Duration) time.Duration {
	if last == 0 {
		return lo
	}
	return min(2*last, hi)
}
