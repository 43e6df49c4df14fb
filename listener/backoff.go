package listener

import (
	"context"
	"time"

	"github.com/seamgo/seam/internal/pause"
)

// backoff paces the accept loop through a burst of temporary errors, as
// net/http does: the pause starts at min and doubles up to max. The
// acceptor makes a fresh one at each start, so a burst never carries over
// a restart, and logs the burst itself.
//
// Unlike net/http's, a pause ends early when wake delivers: the listener
// signals there each descriptor it frees (a connection ended, a rejection
// answered). Most temporary accept errors are EMFILE and ENFILE, which a
// freed descriptor ends; waiting out a pause that has doubled to a second
// would leave the clients queued meanwhile unanswered for that long.
type backoff struct {
	min, max time.Duration
	sleep    func(ctx context.Context, d time.Duration, wake <-chan struct{}) bool // pause.Until but in tests
	wake     <-chan struct{}

	delay time.Duration // of the latest pause
	count uint64        // pauses in this burst
}

// next is the pause the next wait takes.
func (b *backoff) next() time.Duration {
	return pause.Doubling(b.delay, b.min, b.max)
}

// wait pauses for the next delay, or until a descriptor is freed, or
// until ctx ends (then it reports false).
func (b *backoff) wait(ctx context.Context) bool {
	b.count++
	b.delay = b.next()
	return b.sleep(ctx, b.delay, b.wake)
}

// recovered ends a burst, so that the next error pauses for min again,
// and returns how many pauses the burst took: 0 when there was none.
func (b *backoff) recovered() uint64 {
	n := b.count
	b.delay, b.count = 0, 0
	return n
}
