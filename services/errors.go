package services

import (
	"errors"
	"fmt"

	"github.com/seamgo/seam/supervisor"
)

// Errors returned by the services' Serve methods; test for them with
// [errors.Is]. Configuration errors wrap supervisor.ErrBadConfig (a
// missing function or handler as much as a bad value: one test covers
// them all); an HTTP whose given Listener is spent returns
// listener.ErrListenerGone; a second Serve of a value still serving
// returns supervisor.ErrAlreadyServing.
var (
	// errNoHandler means an [HTTP] has neither Handler nor
	// Server.Handler. Unlike net/http, HTTP never falls back to
	// http.DefaultServeMux.
	errNoHandler = fmt.Errorf("services: %w: no handler", supervisor.ErrBadConfig)

	// errNoFunc means a [Func], a [Periodic] or an [Actor] has no
	// function to run.
	errNoFunc = fmt.Errorf("services: %w: no func", supervisor.ErrBadConfig)
)

// Errors of an [Actor]'s Call and Cast.
var (
	// ErrMailboxFull is wrapped by the error Cast returns when the
	// actor's mailbox is full: the actor is behind, and the sender should
	// shed or slow down rather than queue more.
	ErrMailboxFull = errors.New("services: actor mailbox full")

	// ErrActorRestarted is wrapped by the error a Call returns when the
	// incarnation that had its message failed before replying; the error
	// wraps the failure too. The supervisor restarts the actor with a
	// fresh state: a Call may be sent again.
	ErrActorRestarted = errors.New("services: actor restarted")

	// ErrActorStopped is wrapped by the error Call, Cast and Incarnation
	// return while the actor is not running: before its first start,
	// between a failure and its restart, and after its stop.
	ErrActorStopped = errors.New("services: actor not running")
)
