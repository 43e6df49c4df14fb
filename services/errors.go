package services

import (
	"errors"
	"fmt"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/supervisor"
)

// Errors returned by the services' Serve methods; test for them with
// [errors.Is].
var (
	// ErrBadConfig is wrapped by every error about a service's
	// configuration. Serve returns such an error before it binds or
	// starts anything.
	// It is supervisor.ErrBadConfig, the one value for this across seam.
	ErrBadConfig = supervisor.ErrBadConfig

	// ErrNoHandler means an [HTTP] has neither Handler nor Server.Handler.
	// Unlike net/http, HTTP never falls back to http.DefaultServeMux. It
	// wraps ErrBadConfig.
	ErrNoHandler = fmt.Errorf("services: %w: no handler", ErrBadConfig)

	// ErrNoFunc means a [Func] or a [Periodic] has no function to run. It
	// wraps ErrBadConfig.
	ErrNoFunc = fmt.Errorf("services: %w: no func", ErrBadConfig)

	// ErrListenerGone means that an [HTTP]'s given Listener cannot be
	// served: an earlier Serve has served and closed it, so a restarted
	// service has nothing to serve. Set Addr instead of Listener for a
	// service that must survive a restart. It is listener.ErrListenerGone
	// too, so one errors.Is covers both packages.
	ErrListenerGone = bind.ErrListenerGone
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

	// ErrActorServing is returned by an Actor's Serve while an earlier
	// Serve of the same Actor still runs: it was added twice.
	ErrActorServing = errors.New("services: actor already serving")
)
