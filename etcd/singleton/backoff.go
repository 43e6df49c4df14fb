package singleton

import (
	"context"
	"time"
)

// backoff spaces the attempts to reach etcd: 100ms doubling up to a cap.
type backoff struct {
	cap, d time.Duration
}

func newBackoff(limit time.Duration) *backoff { return &backoff{cap: limit} }

func (b *backoff) reset() { b.d = 0 }

// next returns the pause before the next attempt and moves on.
func (b *backoff) next() time.Duration {
	switch {
	case b.d == 0:
		b.d = 100 * time.Millisecond
	case b.d < b.cap:
		b.d = min(2*b.d, b.cap)
	}
	return b.d
}

// wait pauses for the current step, reporting false if ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
