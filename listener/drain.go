package listener

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// drain runs the connection half of a graceful stop, after the acceptor has
// closed its socket: stop tracking new connections, cancel every handler's
// ctx, wait up to timeout for the handlers to return, close what is left by
// force, and wait for those handlers too. The wait ends on a signal from
// the last connection, never by polling, so Serve returns as soon as it
// can.
func drain(conns *tracker, cancelHandlers context.CancelFunc, timeout time.Duration, stats *counters, log zerolog.Logger) {
	left, empty := conns.close()
	if left > 0 {
		log.Info().Int("conns", left).Stringer("timeout", timeout).Msg("draining connections")
	}

	cancelHandlers()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-empty:
		return
	case <-timer.C:
	}
	n := conns.each((*conn).forceClose)
	stats.forceClosed.Add(uint64(n))
	log.Warn().Int("conns", n).Msg("drain timeout passed; connections closed by force")
	<-empty
}
