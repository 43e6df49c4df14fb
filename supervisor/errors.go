package supervisor

import (
	"errors"

	"github.com/thejerf/suture/v4"
)

// Errors that every package of seam returns. Each is defined here once,
// so that one errors.Is covers a listener, a service and a Group alike.
// Their texts have no package prefix: each error that wraps one starts
// with the name of the package or the service that returned it
// ("listener: invalid configuration: ...").
var (
	// ErrBadConfig is wrapped by every error about a configuration value
	// that cannot work: those of [Config.Validate], [Run] and a [Group],
	// and those of seam's listener and services. A Serve returns it
	// before it binds or starts anything.
	ErrBadConfig = errors.New("invalid configuration")

	// ErrAlreadyServing is wrapped by the error a Serve returns while an
	// earlier Serve of the same value still runs: a Group, a
	// listener.Server or a services.Actor was added to the tree twice. It
	// wraps suture.ErrDoNotRestart, since a restart cannot help.
	ErrAlreadyServing error = alreadyServing{}
)

// alreadyServing is ErrAlreadyServing's type: its text is the error's
// alone, and it unwraps to suture.ErrDoNotRestart, so that suture does
// not restart the second Serve without adding suture's text to the error.
type alreadyServing struct{}

func (alreadyServing) Error() string { return "already serving" }
func (alreadyServing) Unwrap() error { return suture.ErrDoNotRestart }
