// Package pause holds For, the one timed pause of seam's services: a
// timer that ends early when the caller's ctx does, so a backoff never
// holds up a stop.
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
