package services

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/supervisor"
)

// defaultMailbox is an Actor's Mailbox when it is zero.
const defaultMailbox = 1024

// Actor is a [suture.Service] that owns a state of type S and handles
// messages of type M one at a time, answering each with a reply of type R:
// the one owner of state that many goroutines share, as an Erlang
// gen_server is. A pointer to an Actor is the service:
//
//	counter := &services.Actor[int, int, int]{
//		Name:   "counter",
//		Handle: func(ctx context.Context, n *int, add int) (int, error) { *n += add; return *n, nil },
//	}
//	sup.Add(counter)
//	total, err := counter.Call(ctx, 1)
//
// # Incarnations
//
// Each Serve is one incarnation: Init builds a fresh state, [Actor.Ready]
// is closed, and messages are handled from a fresh mailbox until ctx ends
// or Handle fails. Only the incarnation's goroutine touches the state, so
// Handle needs no lock. Messages from one goroutine are handled in the
// order they were sent.
//
// A Handle that returns an error or panics ends the incarnation: Serve
// returns the error (a panic as an error carrying its stack), so the
// supervisor restarts the actor, and the next incarnation starts from
// Init, with an empty mailbox. Calls waiting on the failed incarnation, in
// its mailbox or being handled, return at once an error wrapping
// [ErrActorRestarted]; casts in its mailbox are dropped. A dependant that
// holds something tied to the state (a subscription, a lease) watches the
// incarnation it registered with ([Actor.Incarnation]) and learns when it
// ends, as an Erlang link would tell it.
//
// Between incarnations (before the first Serve, after a crash until the
// restart, after the stop) the actor is down: Call and Cast fail at once
// with [ErrActorStopped]. Nothing blocks on an actor that is not running.
//
// # Back-pressure
//
// The mailbox holds Mailbox messages. [Actor.Cast] never blocks: to a full
// mailbox it returns [ErrMailboxFull], so a slow actor pushes back on its
// senders rather than growing without bound. [Actor.Call] waits for room,
// then for the reply, as long as its ctx allows.
//
// The fields are read, never written, by Serve; do not change them while
// the service runs. Call, Cast, Incarnation and Ready are safe for
// concurrent use.
type Actor[S, M, R any] struct {
	// Name names the actor in logs, errors and String. Default "actor".
	Name string

	// Init builds the state at the start of every incarnation. It is
	// given the incarnation's ctx. An error ends Serve with it before the
	// actor is ready (a supervisor.Group then fails its start). Nil means
	// the zero S.
	Init func(ctx context.Context) (S, error)

	// Handle handles one message with the state, on the incarnation's
	// goroutine, and returns the reply for a Call (a Cast's is dropped).
	// Required. ctx is the incarnation's: it ends when the actor stops.
	// An error, or a panic, ends the incarnation (see above); for an
	// answer that is an error but leaves the state sound, put it in R.
	Handle func(ctx context.Context, state *S, msg M) (R, error)

	// Mailbox is how many messages may wait. Default 1024.
	Mailbox int

	// Logger receives start and stop at debug and configuration errors
	// at error; failures are returned for the supervisor to log. The
	// zero value logs nothing.
	Logger zerolog.Logger

	cur     atomic.Pointer[incarnation[M, R]] // nil while down
	gen     atomic.Uint64                     // the last incarnation's number
	mu      sync.Mutex
	ready   chan struct{} // closed once the current incarnation's Init ran
	serving bool
	calls   sync.Pool // of chan result[R]: a Call's reply channel
}

// Incarnation is one run of an [Actor], from its Init to its end.
type Incarnation struct {
	// Gen numbers the incarnations from 1; a restart makes a higher one.
	Gen  uint64
	done <-chan struct{}
}

// Done returns a channel that is closed when the incarnation ends, by a
// failure or a stop. A nil Incarnation's never closes.
func (i Incarnation) Done() <-chan struct{} { return i.done }

// incarnation is the live part of an Incarnation: its mailbox, and why it
// ended once done is closed.
type incarnation[M, R any] struct {
	gen     uint64
	mailbox chan envelope[M, R]
	done    chan struct{}
	end     error // ErrActorRestarted or ErrActorStopped with the cause; set before done closes
	full    error // Cast's answer to a full mailbox, made once: refusing must cost nothing
}

// envelope is one message in a mailbox; reply is nil for a Cast.
type envelope[M, R any] struct {
	ctx   context.Context
	msg   M
	reply chan result[R]
}

type result[R any] struct {
	r   R
	err error
}

// String returns Name, or "actor". It is cheap: a supervisor calls it at
// Add.
func (a *Actor[S, M, R]) String() string {
	if a.Name != "" {
		return a.Name
	}
	return "actor"
}

// Ready returns a channel that is closed once Init has run in the current
// incarnation. When an incarnation ends the actor takes a fresh channel,
// so a supervisor.Group awaits Init again at every restart before it
// starts the children after the actor. It may be called before Serve.
func (a *Actor[S, M, R]) Ready() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.readyLocked()
}

func (a *Actor[S, M, R]) readyLocked() chan struct{} {
	if a.ready == nil {
		a.ready = make(chan struct{})
	}
	return a.ready
}

// Incarnation returns the incarnation running now, or an error wrapping
// [ErrActorStopped] while the actor is down. It never blocks.
//
// A dependant takes it before the Call that registers it with the actor:
// if the actor restarts in between, the dependant sees an end it did not
// need to see, but never misses one.
func (a *Actor[S, M, R]) Incarnation() (Incarnation, error) {
	inc := a.cur.Load()
	if inc == nil {
		return Incarnation{}, a.down()
	}
	return Incarnation{Gen: inc.gen, done: inc.done}, nil
}

func (a *Actor[S, M, R]) down() error {
	return fmt.Errorf("services: actor %q: %w", a.String(), ErrActorStopped)
}

// Call sends msg and waits for Handle's reply. It blocks until the reply
// comes, the mailbox has no room and ctx ends, or the incarnation ends.
// It returns Handle's reply and error, ctx's error, or an error wrapping
// [ErrActorRestarted] (the incarnation failed before replying) or
// [ErrActorStopped] (the actor is down or stopped before replying).
//
// A Call whose ctx has ended before the actor takes it from the mailbox
// is dropped unhandled; one that the actor has begun is handled to the
// end even if its caller has left.
//
// A connection handler calls with [listener.DrainContext](ctx), not with
// its own ctx: the handler's ctx ends at the first step of a graceful stop,
// which would abort the request in hand, while DrainContext's lives
// through the drain and ends when the connection is closed by force.
func (a *Actor[S, M, R]) Call(ctx context.Context, msg M) (R, error) {
	var zero R
	inc := a.cur.Load()
	if inc == nil {
		return zero, a.down()
	}
	reply, _ := a.calls.Get().(chan result[R])
	if reply == nil {
		reply = make(chan result[R], 1)
	}
	select {
	case inc.mailbox <- envelope[M, R]{ctx: ctx, msg: msg, reply: reply}:
	case <-inc.done:
		a.calls.Put(reply)
		return zero, inc.end
	case <-ctx.Done():
		a.calls.Put(reply)
		return zero, ctx.Err()
	}
	select {
	case res := <-reply:
		a.calls.Put(reply)
		return res.r, res.err
	case <-inc.done:
		// A reply sent before the end is there to take.
		select {
		case res := <-reply:
			a.calls.Put(reply)
			return res.r, res.err
		default:
			return zero, inc.end
		}
	case <-ctx.Done():
		// The reply channel may still receive: it is not reused.
		return zero, ctx.Err()
	}
}

// Cast sends msg without waiting: Handle will handle it, and its reply
// is dropped. It never blocks. It returns an error wrapping
// [ErrMailboxFull] when the mailbox is full, and one wrapping
// [ErrActorStopped] while the actor is down. A Cast accepted by an
// incarnation that then fails is lost, as a message to a dead Erlang
// process is.
func (a *Actor[S, M, R]) Cast(msg M) error {
	inc := a.cur.Load()
	if inc == nil {
		return a.down()
	}
	select {
	case <-inc.done:
		return inc.end
	default:
	}
	select {
	case inc.mailbox <- envelope[M, R]{msg: msg}:
		return nil
	default:
		return inc.full
	}
}

// resolve checks a and returns its mailbox's size: the one place where
// a's fields get their meaning.
func (a *Actor[S, M, R]) resolve() (mailbox int, err error) {
	switch {
	case a.Handle == nil:
		return 0, fmt.Errorf("%w: actor %q has no Handle", errNoFunc, a.String())
	case a.Mailbox < 0:
		return 0, fmt.Errorf("services: %w: actor %q has Mailbox %d; want 0 (the default, %d) or more", supervisor.ErrBadConfig, a.String(), a.Mailbox, defaultMailbox)
	case a.Mailbox == 0:
		return defaultMailbox, nil
	}
	return a.Mailbox, nil
}

// Serve runs one incarnation: Init, then Handle for each message until ctx
// ends (Serve returns nil) or Handle fails (Serve returns the error,
// wrapped with the actor's name; a panic is returned as an error carrying
// its value and stack). The calls waiting on the incarnation are released
// before Serve returns.
//
// An invalid configuration (nil Handle, negative Mailbox) is logged at
// error and returned at once, as an error wrapping [supervisor.ErrBadConfig] and
// suture.ErrDoNotRestart. Serving one Actor twice at once returns an
// error wrapping [supervisor.ErrAlreadyServing].
func (a *Actor[S, M, R]) Serve(ctx context.Context) (err error) {
	name := a.String()
	size, err := a.resolve()
	if err != nil {
		a.Logger.Error().Err(err).Str("service", name).Msg("actor not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	inc := &incarnation[M, R]{
		mailbox: make(chan envelope[M, R], size),
		done:    make(chan struct{}),
		full:    fmt.Errorf("services: actor %q: %w", name, ErrMailboxFull),
	}
	a.mu.Lock()
	if a.serving {
		a.mu.Unlock()
		return fmt.Errorf("services: actor %q: %w", name, supervisor.ErrAlreadyServing)
	}
	a.serving = true
	inc.gen = a.gen.Add(1)
	ready := a.readyLocked()
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.serving = false
		a.mu.Unlock()
	}()
	log := a.Logger.With().Str("service", name).Uint64("gen", inc.gen).Logger()

	var state S
	if a.Init != nil {
		if state, err = a.Init(ctx); err != nil {
			return fmt.Errorf("services: actor %q: init: %w", name, err)
		}
	}
	a.cur.Store(inc)
	close(ready)
	log.Debug().Msg("actor started")

	defer func() {
		// A panic's caller, if it was a Call, learns of it through done.
		if p := recover(); p != nil {
			err = fmt.Errorf("services: actor %q: %w", name, &ActorPanicError{Value: p, Stack: string(debug.Stack())})
		}
		a.end(inc, ctx, err)
		if err == nil {
			log.Debug().Msg("actor stopped")
		}
	}()
	for {
		if ctx.Err() != nil {
			// A stop wins over the messages still waiting.
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case env := <-inc.mailbox:
			if env.reply != nil && env.ctx.Err() != nil {
				continue // its caller has left
			}
			r, herr := a.Handle(ctx, &state, env.msg)
			if herr != nil {
				err = fmt.Errorf("services: actor %q: %w", name, herr)
				if env.reply != nil {
					env.reply <- result[R]{err: fmt.Errorf("%w: %w", ErrActorRestarted, err)}
				}
				return err
			}
			if env.reply != nil {
				env.reply <- result[R]{r: r}
			}
		}
	}
}

// end closes the incarnation: the actor is down, its waiting calls get
// why, and Ready takes a fresh channel for the next incarnation.
func (a *Actor[S, M, R]) end(inc *incarnation[M, R], ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil {
		inc.end = fmt.Errorf("services: actor %q: %w", a.String(), ErrActorStopped)
	} else {
		inc.end = fmt.Errorf("%w: %w", ErrActorRestarted, err)
	}
	a.cur.Store(nil)
	close(inc.done)
	a.freshReady()
}

func (a *Actor[S, M, R]) freshReady() {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.ready:
		a.ready = make(chan struct{})
	default:
	}
}

// ActorPanicError is the error an [Actor]'s Serve returns when Handle
// panicked: the supervisor logs it and restarts the actor.
type ActorPanicError struct {
	Value any    // what was passed to panic
	Stack string // the panicking goroutine's stack
}

func (e *ActorPanicError) Error() string {
	return fmt.Sprintf("handler panicked: %v", e.Value)
}
