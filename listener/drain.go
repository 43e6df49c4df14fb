package listener

import "time"

// drain runs the connection half of a graceful stop, after the acceptor has
// closed its socket: cancel every connection's ctx, wait up to timeout for
// the handlers to return, close what is left by force, and
// wait for those handlers too. The wait ends on a signal from the last
// connection, never by polling, so Serve returns as soon as it can.
func (r *run) drain(timeout time.Duration) {
	r.mu.Lock()
	r.draining = true
	left := len(r.open)
	if left == 0 {
		close(r.drained)
	}
	r.mu.Unlock()
	if left > 0 {
		r.log.Info().Int("conns", left).Dur("timeout", timeout).Msg("draining connections")
	}

	r.cancelHandlers()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-r.drained:
		return
	case <-timer.C:
	}
	n := r.forceClose()
	r.log.Warn().Int("conns", n).Msg("drain timeout passed; connections closed by force")
	<-r.drained
}

// forceClose closes every open connection's socket, which makes the
// handlers' blocked reads and writes return. It closes the raw socket, not
// the TLS layer over it, since a TLS close would first try to send an alert
// to a peer that may not be reading.
func (r *run) forceClose() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.open {
		c.forced.Store(true)
		c.raw.Close()
	}
	r.srv.counters.forceClosed.Add(uint64(len(r.open)))
	return len(r.open)
}
