package listener

import "sync/atomic"

// Stats counts what a [Server] has done since it was created; the counters
// carry over when the tree restarts the Server.
type Stats struct {
	// MaxConns is the cap on open connections in force in the Serve in
	// progress or the latest one: Server.MaxConns, or lower where the
	// open-file limit cannot hold it (see Server.MaxConns); 0 means no
	// cap.
	MaxConns int
	// Accepted is the number of connections Accept returned, rejected
	// ones included.
	Accepted uint64
	// Active is the number of connections open now, rejected ones not
	// included.
	Active int64
	// AtCap is the number of times the acceptor stopped accepting because
	// MaxConns connections were open, with Overflow set to
	// OverflowBacklog: new connections queued in the kernel's backlog
	// until a slot freed.
	AtCap uint64
	// Rejected is the number of connections turned away because MaxConns
	// or MaxConnsPerIP connections were open: answered by Reject, or
	// closed at once.
	Rejected uint64
	// RejectedPerIP is the part of Rejected turned away by MaxConnsPerIP.
	RejectedPerIP uint64
	// ClosedAtStop is the number of accepted connections closed at once,
	// unserved, because the listener was stopping.
	ClosedAtStop uint64
	// IdleClosed is the number of connections closed because a Read
	// waited IdleTimeout on them without a byte.
	IdleClosed uint64
	// HandshakeTimeouts is the number of TLS connections closed because
	// their handshake did not finish within TLSHandshakeTimeout.
	HandshakeTimeouts uint64
	// Panics is the number of handler panics recovered (Reject's
	// included).
	Panics uint64
	// ForceClosed is the number of connections closed by force at the end
	// of a drain.
	ForceClosed uint64
	// AcceptorRestarts is the number of times the acceptor failed and was
	// restarted by its supervisor.
	AcceptorRestarts uint64
	// ProxyHeaderErrors is the number of connections from trusted load
	// balancers closed for their PROXY protocol header: malformed,
	// missing, or not sent within ProxyProtocol.HeaderTimeout.
	ProxyHeaderErrors uint64
	// TemporaryErrors is the number of temporary accept errors (EMFILE and
	// the like) that were backed off from.
	TemporaryErrors uint64
}

// counters are the live form of Stats, updated without locks on the hot
// path.
type counters struct {
	accepted, atCap, rejected, rejectedPerIP, closedAtStop, panics    atomic.Uint64
	idleClosed, handshakeTimeouts, forceClosed, acceptorRestarts, tmp atomic.Uint64
	proxyHeaderErrors                                                 atomic.Uint64
	active                                                            atomic.Int64
	maxConns                                                          atomic.Int64
}

// Stats returns a snapshot of the Server's counters. It is safe to call at
// any time, from any goroutine.
func (s *Server) Stats() Stats {
	c := &s.counters
	return Stats{
		MaxConns:          int(c.maxConns.Load()),
		Accepted:          c.accepted.Load(),
		Active:            c.active.Load(),
		AtCap:             c.atCap.Load(),
		Rejected:          c.rejected.Load(),
		RejectedPerIP:     c.rejectedPerIP.Load(),
		ClosedAtStop:      c.closedAtStop.Load(),
		IdleClosed:        c.idleClosed.Load(),
		HandshakeTimeouts: c.handshakeTimeouts.Load(),
		Panics:            c.panics.Load(),
		ForceClosed:       c.forceClosed.Load(),
		AcceptorRestarts:  c.acceptorRestarts.Load(),
		TemporaryErrors:   c.tmp.Load(),
		ProxyHeaderErrors: c.proxyHeaderErrors.Load(),
	}
}
