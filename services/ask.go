package services

import "context"

// Op is one request to an actor that serves several kinds of request,
// each with a reply of its own type: the request is a function run on
// the actor's goroutine with its state, and the actor is an
// Actor[S, Op[S], any] whose Handle is [RunOp]. Callers send Ops through
// [Ask], which gives each reply back with its own type, checked by the
// compiler, without reflection.
//
// An Op, like Handle, may change the state without a lock, and its error
// ends the incarnation: an answer that is an error but leaves the state
// sound belongs in the reply. A Cast of an Op runs it and drops its
// reply.
type Op[S any] func(ctx context.Context, state *S) (any, error)

// RunOp is the Handle of an actor of [Op]s: it runs op on the state.
func RunOp[S any](ctx context.Context, state *S, op Op[S]) (any, error) {
	return op(ctx, state)
}

// Ask runs req on a's state, on a's goroutine, and returns req's reply as
// the T that req returns. It is [Actor.Call] with the reply's type kept:
// it blocks, returns and fails as Call does (ctx's error, or errors
// wrapping [ErrActorRestarted] or [ErrActorStopped]), and req's error
// ends the incarnation as a Handle's would.
//
// The kinds of request of an actor are then plain functions or methods of
// its state, and its typed API a few wrappers, as an Erlang module
// exports functions that wrap gen_server:call:
//
//	type Rooms struct{ a *services.Actor[rooms, services.Op[rooms], any] }
//
//	func (r Rooms) Join(ctx context.Context, room, who string) (members int, err error) {
//		return services.Ask(ctx, r.a, func(_ context.Context, s *rooms) (int, error) {
//			return s.join(room, who), nil
//		})
//	}
//
// A connection handler passes listener.DrainContext(ctx), not its own
// ctx, so that a request in flight when the stop begins still gets its
// reply during the drain.
func Ask[S, T any](ctx context.Context, a *Actor[S, Op[S], any], req func(ctx context.Context, state *S) (T, error)) (T, error) {
	r, err := a.Call(ctx, func(ctx context.Context, state *S) (any, error) { return req(ctx, state) })
	if err != nil {
		var zero T
		return zero, err
	}
	// r is what req returned, boxed: the assertion cannot fail, and the
	// comma-ok form turns a nil interface T back into its zero value.
	t, _ := r.(T)
	return t, nil
}
