package listener

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// Stats counts what a [Server] has done since it was created; the counters
// carry over when the tree restarts the Server.
//
// Each field is described once, by its help tag: [Stats.Fields] hands that
// description on, so that a program exporting the counters (the admin
// service's /metrics help texts, the kv example's INFO) says what this
// page says, and a field added here reaches them without a change there.
type Stats struct {
	MaxConns          int    `help:"The cap on open connections in force in the Serve in progress or the latest one: Server.MaxConns, or lower where the open-file limit cannot hold it; 0 means no cap."`
	Accepted          uint64 `help:"Connections Accept returned, rejected ones included."`
	Active            int64  `help:"Connections open now, rejected ones not included."`
	AtCap             uint64 `help:"Times the acceptor stopped accepting because MaxConns connections were open, with OverflowBacklog: new connections queued in the kernel's backlog until a slot freed."`
	Rejected          uint64 `help:"Connections turned away because MaxConns or MaxConnsPerIP connections were open: answered by Reject, or closed at once."`
	RejectedPerIP     uint64 `help:"The part of Rejected turned away by MaxConnsPerIP."`
	ClosedAtStop      uint64 `help:"Accepted connections closed at once, unserved, because the listener was stopping."`
	IdleClosed        uint64 `help:"Connections closed because a Read waited IdleTimeout on them without a byte."`
	HandshakeTimeouts uint64 `help:"TLS connections closed because their handshake did not finish within TLSHandshakeTimeout."`
	Panics            uint64 `help:"Handler panics recovered, Reject's included."`
	ForceClosed       uint64 `help:"Connections closed by force at the end of a drain."`
	AcceptorRestarts  uint64 `help:"Times the acceptor failed and was restarted by its supervisor."`
	ProxyHeaderErrors uint64 `help:"Connections from trusted load balancers closed for their PROXY protocol header: malformed, missing, or not sent within ProxyProtocol.HeaderTimeout."`
	TemporaryErrors   uint64 `help:"Temporary accept errors (EMFILE and the like) that were backed off from."`
	Hibernated        int64  `help:"Connections hibernated now (Server.HibernateAfter): open, counted in Active, their sockets parked on the listener's poller with no goroutine."`
	Unstarted         int64  `help:"Connections parked at accept (Server.HibernateAtAccept) whose handler has yet to start: their clients have sent nothing. Counted in Hibernated and Active too."`
	Hibernations      uint64 `help:"Times a connection hibernated."`
	Wakes             uint64 `help:"Times a hibernated connection was woken by bytes and its handler started again."`
	Suspended         int64  `help:"1 while the listener is suspended (Server.Suspend): not accepting, its socket bound, new connections waiting in the kernel's backlog; 0 while it accepts."`
}

// A StatField is one field of [Stats] with its description, as
// [Stats.Fields] returns it for a program that exports the counters.
type StatField struct {
	// Name is the field's words in snake_case: "rejected_per_ip" for
	// RejectedPerIP.
	Name string
	// Help says what the field counts: its help tag, the one description
	// of it.
	Help string
	// Gauge marks a level that goes up and down (Active, MaxConns); every
	// other field only counts up.
	Gauge bool
	// Value is the field's value in the Stats it came from. No counter
	// comes near the top of an int64 in a real run.
	Value int64
}

// Fields returns s's fields in the order Stats declares them, each with
// its name and description.
func (s Stats) Fields() []StatField {
	v := reflect.ValueOf(s)
	out := append([]StatField(nil), statFields()...)
	for i := range out {
		if f := v.Field(i); f.CanInt() {
			out[i].Value = f.Int()
		} else {
			out[i].Value = int64(f.Uint())
		}
	}
	return out
}

// statFields reads Stats's declaration once: the names and help tags
// do not change while the program runs.
var statFields = sync.OnceValue(func() []StatField {
	t := reflect.TypeFor[Stats]()
	out := make([]StatField, t.NumField())
	for i := range out {
		f := t.Field(i)
		out[i] = StatField{Name: snake(f.Name), Help: f.Tag.Get("help"), Gauge: f.Type.Kind() != reflect.Uint64}
	}
	return out
})

// snake spells a Go name's words in lower case joined by underscores,
// keeping an initialism one word: "RejectedPerIP" is "rejected_per_ip",
// "TLSHandshake" "tls_handshake".
func snake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) &&
			(unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// counters are the live form of Stats, updated without locks on the hot
// path.
type counters struct {
	accepted, atCap, rejected, rejectedPerIP, closedAtStop, panics    atomic.Uint64
	idleClosed, handshakeTimeouts, forceClosed, acceptorRestarts, tmp atomic.Uint64
	proxyHeaderErrors, hibernations, wakes                            atomic.Uint64
	active, hibernated, unstarted                                     atomic.Int64
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
		Hibernated:        c.hibernated.Load(),
		Unstarted:         c.unstarted.Load(),
		Hibernations:      c.hibernations.Load(),
		Wakes:             c.wakes.Load(),
		Suspended:         boolGauge(s.pause.suspended()),
	}
}

// boolGauge is a yes-or-no state as a gauge: 1 or 0.
func boolGauge(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
