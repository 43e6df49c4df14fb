package services

import (
	"context"
	"fmt"

	"github.com/thejerf/suture/v4"
)

// Func returns fn as a [suture.Service] named name: its Serve calls fn with
// the service's ctx and returns what fn returns, unchanged, and its String
// returns name, so the supervisor's events and logs name it without
// formatting the value.
//
// fn must return when ctx ends. What it returns decides what the supervisor
// does next, as for any suture service:
//
//   - nil, or any error, while the supervisor runs: the service has failed
//     and is started again (after a backoff if it fails too often). A
//     worker that has finished its job is not done in suture's eyes.
//   - an error that wraps [suture.ErrDoNotRestart], for instance
//     fmt.Errorf("flushed: %w", suture.ErrDoNotRestart): the service ends
//     for good and is removed from its supervisor, without an event.
//   - anything, once ctx has ended: the service is stopping; the value is
//     ignored.
//
// A panic in fn is recovered by the supervisor and counts as a failure; the
// same fn is called again.
//
// If fn is nil, Serve returns an error wrapping [supervisor.ErrBadConfig]. Unlike the
// configuration errors of [HTTP] and [Periodic], it does not wrap
// suture.ErrDoNotRestart: Func has no logger, and a service that ends for
// good leaves no trace in suture's events, so it stays a failure that the
// supervisor logs.
func Func(name string, fn func(ctx context.Context) error) suture.Service {
	return &funcService{name: name, fn: fn}
}

// funcService is the service behind [Func].
type funcService struct {
	name string
	fn   func(ctx context.Context) error
}

// Serve calls the function; it blocks for as long as the function does.
func (f *funcService) Serve(ctx context.Context) error {
	if f.fn == nil {
		return fmt.Errorf("%w: func %q", errNoFunc, f.name)
	}
	return f.fn(ctx)
}

// String returns the name given to [Func].
func (f *funcService) String() string { return f.name }
