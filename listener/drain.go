package listener

import (
	"time"

	"github.com/seamgo/seam/internal/logfield"
)

// drainConns runs the connection half of a graceful stop, after the
// acceptor has closed its socket: stop tracking new connections, cancel
// every handler's ctx, wait up to timeout for the handlers to return,
// end DrainContext's context and close what is left by force, and wait
// for those handlers too. The wait
// ends on a signal from the last connection, never by polling, so Serve
// returns as soon as it can.
func (r *run) drainConns(timeout time.Duration) {
	left, empty := r.conns.close()
	if r.poller != nil {
		// Hibernated connections hold no request: closed at once,
		// with no goroutine to wake. Those parked at accept wait for
		// their first bytes, as a handler yet to read its first request
		// does (net/http's Shutdown gives its new connections 5s).
		r.poller.closeParked(false)
	}
	if left > 0 {
		r.log.Info().Int("conns", left).Stringer("timeout", logfield.Duration(timeout)).Msg("draining connections")
	}

	r.cancelHandlers()
	defer endDrain(r.handlerCtx)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-empty:
		return
	case <-timer.C:
	}
	// What the handlers still do for a request in flight is abandoned
	// with their connections, once those are closed: a handler that
	// waits on DrainContext alone is then counted as closed by force.
	n := 0
	if r.poller != nil {
		n = r.poller.closeParked(true) // parked at accept, and still silent
	}
	n += r.conns.each((*conn).forceClose)
	endDrain(r.handlerCtx)
	r.stats.forceClosed.Add(uint64(n))
	r.log.Warn().Int("conns", n).Msg("drain timeout passed; connections closed by force")
	<-empty
}
