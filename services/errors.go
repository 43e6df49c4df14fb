package services

import (
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
