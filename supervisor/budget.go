package supervisor

import (
	"context"
	"sync"
	"time"
)

// A stop budget is one deadline handed down the tree with the context a
// service is served with. [Run] and [Group] set it just before they cancel
// that context, and a service reads it with [StopDeadline] once its context
// is done. It travels in the context because suture derives every child's
// context from its supervisor's, so a deadline set by Run reaches a listener
// under any depth of suture supervisors without either knowing of the other.
type budget struct {
	mu       sync.Mutex
	deadline time.Time
}

type budgetKey struct{}

// withBudget returns ctx carrying a fresh budget, unset until set is called.
// It shadows any budget of an ancestor: the service under ctx is stopped by
// whoever set the new one.
func withBudget(ctx context.Context) (context.Context, *budget) {
	b := &budget{}
	return context.WithValue(ctx, budgetKey{}, b), b
}

func (b *budget) set(deadline time.Time) {
	b.mu.Lock()
	b.deadline = deadline
	b.mu.Unlock()
}

func (b *budget) get() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.deadline, !b.deadline.IsZero()
}

// StopDeadline reports by when the service that was served with ctx should
// have returned from Serve, once ctx is done: its share of the stop budget
// of the [Run] or [Group] that is stopping it. ok is false while ctx is
// live, and when ctx was cancelled by something that sets no budget (a bare
// suture tree, a test); the service then falls back on its own timeouts.
//
// A service that drains (a listener, an HTTP server) plans its stop inside
// this deadline: it drains for most of it and closes what is left by force
// before it passes. A service that returns after the deadline is abandoned
// by the Group or Run that stopped it and named in the stop report.
func StopDeadline(ctx context.Context) (deadline time.Time, ok bool) {
	if ctx.Err() == nil {
		return time.Time{}, false
	}
	b, _ := ctx.Value(budgetKey{}).(*budget)
	if b == nil {
		return time.Time{}, false
	}
	return b.get()
}

// share is the deadline of the next child a group stops, when it must have
// stopped every one of its remaining children (this one included) by end.
// The child stopping now may use all that is left except, for each child
// still to stop after it, an equal share of half of what is left: the first
// of three children gets two thirds, the second three quarters of what
// remains, the last all of it. Time a child does not use passes to the ones
// after it, so a quick stop costs its siblings nothing, and a stuck child
// cannot take the whole budget from the ones that stop after it (an
// append-only file that must be flushed once the listener has drained).
func share(now, end time.Time, remaining int) time.Time {
	left := end.Sub(now)
	if left <= 0 || remaining <= 1 {
		return end
	}
	reserve := left / time.Duration(2*remaining) * time.Duration(remaining-1)
	return end.Add(-reserve)
}

// forceCloseGrace caps the part of a budget that DrainTimeout keeps back.
const forceCloseGrace = 2 * time.Second

// DrainTimeout returns how long a service whose ctx is done may drain
// gracefully before it closes what is left by force. Within a stop budget
// (see [StopDeadline]) that is all of what is left but a quarter, at most
// 2s, kept for the force-close and for handlers to return on their closed
// connections, and no more than limit where limit is positive. Without a
// budget it is limit, or fallback when limit is zero. It is how the
// listener and services.HTTP plan their stop; a service of your own that
// drains can plan its stop the same way.
func DrainTimeout(ctx context.Context, limit, fallback time.Duration) time.Duration {
	deadline, ok := StopDeadline(ctx)
	if !ok {
		if limit > 0 {
			return limit
		}
		return fallback
	}
	left := time.Until(deadline)
	d := left - min(left/4, forceCloseGrace)
	if limit > 0 {
		d = min(d, limit)
	}
	return max(d, 0)
}
