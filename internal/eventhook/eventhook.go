// Package eventhook carries the observer of a whole supervision tree in
// the context the tree is served with: the suture event hook of the
// supervisor.Health that Run follows the tree with. A service that builds
// suture supervisors inside its Serve, as a listener builds its acceptor's
// and its connections', chains their hook to it, so that their failures
// and backoffs reach the probes wherever the service sits in the tree.
//
// It is internal: users give the Health to Run, or to supervisor.Config
// for a suture tree of their own, and never see the context key.
package eventhook

import (
	"context"

	"github.com/thejerf/suture/v4"
)

type key struct{}

// WithObserver returns ctx carrying observe, which every hook made by
// [For] under it calls after its own work. A nil observe carries nothing.
func WithObserver(ctx context.Context, observe suture.EventHook) context.Context {
	if observe == nil {
		return ctx
	}
	return context.WithValue(ctx, key{}, observe)
}

// Observer returns the observer ctx carries, or nil.
func Observer(ctx context.Context) suture.EventHook {
	h, _ := ctx.Value(key{}).(suture.EventHook)
	return h
}

// For returns hook followed by the observer ctx carries, if any: the hook
// for a supervisor built inside a Serve that was given ctx.
func For(ctx context.Context, hook suture.EventHook) suture.EventHook {
	return Then(hook, Observer(ctx))
}

// Then returns hook followed by observe, or hook alone when observe is
// nil. Both run on the supervisor's goroutine, so both must be cheap.
func Then(hook, observe suture.EventHook) suture.EventHook {
	if observe == nil {
		return hook
	}
	return func(ev suture.Event) {
		hook(ev)
		observe(ev)
	}
}
