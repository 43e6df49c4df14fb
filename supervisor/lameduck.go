package supervisor

import (
	"context"
	"sync"
)

// notReady is the signal [LameDuck] returns: closed once, when Run is
// asked to stop. It travels in the tree's context, as the stop budget
// does, so that a service at any depth finds it without knowing Run.
type notReady struct {
	once sync.Once
	ch   chan struct{}
}

type notReadyKey struct{}

// withNotReady returns ctx carrying a fresh signal, and the func that
// fires it (idempotent).
func withNotReady(ctx context.Context) (context.Context, func()) {
	n := &notReady{ch: make(chan struct{})}
	return context.WithValue(ctx, notReadyKey{}, n), func() { n.once.Do(func() { close(n.ch) }) }
}

// LameDuck returns a channel that is closed when the [Run] serving the
// tree that ctx was handed down is asked to stop: at the start of the lame
// duck ([PhaseLameDuck]), while the tree still serves and before ctx is
// cancelled, or at the start of the stop when there is no lame duck. A
// service that keeps clients on long-lived connections reads it to send
// them elsewhere while it still answers them: services.HTTP turns
// keep-alives off.
//
// The channel never reopens: a tree does not go back from the lame duck to
// [PhaseReady]. Outside a Run (a bare suture tree, a test) LameDuck returns
// nil, which blocks for ever in a select, so a service needs no special
// case for it.
func LameDuck(ctx context.Context) <-chan struct{} {
	if n, _ := ctx.Value(notReadyKey{}).(*notReady); n != nil {
		return n.ch
	}
	return nil
}
