package services

import (
	"errors"
	"fmt"

	"github.com/thejerf/suture/v4"
)

// Errors returned by the services' Serve methods; test for them with
// [errors.Is].
var (
	// ErrBadConfig is wrapped by every error about a service's
	// configuration. Serve returns such an error before it binds or
	// starts anything.
	ErrBadConfig = errors.New("services: invalid configuration")

	// ErrNoHandler means an [HTTP] has neither Handler nor Server.Handler.
	// Unlike net/http, HTTP never falls back to http.DefaultServeMux. It
	// wraps ErrBadConfig.
	ErrNoHandler = fmt.Errorf("%w: no handler", ErrBadConfig)

	// ErrNoFunc means a [Func] or a [Periodic] has no function to run. It
	// wraps ErrBadConfig.
	ErrNoFunc = fmt.Errorf("%w: no func", ErrBadConfig)

	// ErrListenerUsed means an [HTTP] was given a Listener that an earlier
	// Serve has served and closed, so a restarted service has nothing to
	// serve. Set Addr instead of Listener for a service that must survive
	// a restart.
	ErrListenerUsed = errors.New("services: Listener already served and closed")
)

// errDoNotRestart lets suture's sentinel ride along in an error chain, so
// that the supervisor does not restart a service whose configuration is
// wrong, without adding its text to the message.
var errDoNotRestart = wrapOnly{suture.ErrDoNotRestart}

type wrapOnly struct{ err error }

func (w wrapOnly) Error() string { return "" }
func (w wrapOnly) Unwrap() error { return w.err }
