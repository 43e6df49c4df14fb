package listener

import (
	"context"

	"github.com/rs/zerolog"
)

// drainScope is the context [DrainContext] returns, before the
// connection's logger is added: it has the listener's values and ends
// when the drain does, not when it starts. One per run, shared by every
// handler, as the handlers' ctx is.
type drainScope struct {
	ctx context.Context
	end context.CancelFunc
}

type drainKey struct{}

// withDrainScope returns parent carrying a fresh drain scope.
func withDrainScope(parent context.Context) context.Context {
	ctx, end := context.WithCancel(context.WithoutCancel(parent))
	return context.WithValue(parent, drainKey{}, &drainScope{ctx: ctx, end: end})
}

// endDrain ends the drain scope that ctx carries: at the drain deadline,
// just after the connections are closed by force, or when the drain
// ends. Idempotent.
func endDrain(ctx context.Context) {
	if s, _ := ctx.Value(drainKey{}).(*drainScope); s != nil {
		s.end()
	}
}

// DrainContext returns a context for the work a connection handler does
// on behalf of the request in hand, such as a call to an actor
// (services.Actor's Call): unlike the handler's ctx, which is cancelled at
// the first step of a graceful stop so that the handler takes no further
// request, it stays live while the listener drains, and ends when the
// drain deadline passes and the remaining connections are closed by force
// (or when the drain is over). A request in flight when the stop begins
// thus completes, and one stuck past the deadline is abandoned.
//
// ctx must be the ctx the listener gave the handler; the context returned
// carries the values of the listener's ctx and the connection's logger
// (zerolog.Ctx), not values the handler added to ctx since. For any other
// ctx, DrainContext returns ctx itself. It is cheap: at most one
// context.WithValue per call, and nothing to release.
//
// A handler therefore watches ctx to know when to stop taking requests,
// and passes DrainContext(ctx) to what it calls to finish one:
//
//	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
//	defer stop()
//	for {
//		req, err := readRequest(r) // cut short when ctx ends, between requests
//		if err != nil {
//			return err
//		}
//		reply, err := store.Call(listener.DrainContext(ctx), req)
//		...
//	}
func DrainContext(ctx context.Context) context.Context {
	s, _ := ctx.Value(drainKey{}).(*drainScope)
	if s == nil {
		return ctx
	}
	if log := zerolog.Ctx(ctx); log != zerolog.Ctx(s.ctx) {
		return log.WithContext(s.ctx)
	}
	return s.ctx
}
