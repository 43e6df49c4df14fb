package listener

import (
	"context"
	"math/bits"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/internal/pause"
)

// backoff paces the accept loop through a burst of temporary errors, as
// net/http does: the pause starts at min and doubles up to max. It logs
// the first error of a burst and then only when the count reaches a power
// of two, so a long burst costs a few lines, not one per error.
//
// The acceptor copies it from a template at each start, so a burst never
// carries over a restart.
type backoff struct {
	min, max time.Duration
	sleep    func(ctx context.Context, d time.Duration) bool // pause.For but in tests
	log      zerolog.Logger

	delay time.Duration // of the latest pause
	count uint64        // pauses in this burst
}

// pause logs err when it is worth a line and waits; it reports false when
// ctx ended first.
func (b *backoff) pause(ctx context.Context, err error) bool {
	if bits.OnesCount64(b.count+1) == 1 {
		b.log.Warn().Err(err).Uint64("errors", b.count+1).Stringer("backoff", b.next()).
			Msg("temporary accept error; backing off")
	}
	return b.wait(ctx)
}

// next is the pause the next wait takes.
func (b *backoff) next() time.Duration {
	return pause.Doubling(b.delay, b.min, b.max)
}

// wait pauses for the next delay, or until ctx ends (then it reports
// false).
func (b *backoff) wait(ctx context.Context) bool {
	b.count++
	b.delay = b.next()
	return b.sleep(ctx, b.delay)
}

// recovered ends a burst: the next error pauses for min again.
func (b *backoff) recovered() {
	if b.count > 0 {
		b.log.Info().Uint64("errors", b.count).Msg("accepting again after temporary errors")
		b.delay, b.count = 0, 0
	}
}
