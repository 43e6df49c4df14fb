package seamtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Pauses stands in for a component's sleep seam in a test: it records
// each pause it is asked for and returns at once, so that the test sees
// the schedule of pauses without waiting it out. The zero value is ready
// to use; its methods are safe for concurrent use.
type Pauses struct {
	mu     sync.Mutex
	pauses []time.Duration
}

// Sleep records d and returns at once, with what a sleep of d would
// return: true unless ctx has ended.
func (p *Pauses) Sleep(ctx context.Context, d time.Duration) bool {
	p.mu.Lock()
	p.pauses = append(p.pauses, d)
	p.mu.Unlock()
	return ctx.Err() == nil
}

// List returns the pauses recorded so far, in the order they were asked
// for.
func (p *Pauses) List() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pauses)
}
