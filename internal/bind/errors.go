package bind

import (
	"errors"

	"github.com/thejerf/suture/v4"
)

// ErrListenerGone means that a given net.Listener cannot be served: its
// Accept failed for good, or an earlier Serve has served and closed it. A
// restart cannot bring it back, since there is no address to bind again.
// listener and services export it under the same name.
var ErrListenerGone = errors.New("seam: the given Listener failed or was already served")

// DoNotRestart and Terminate carry suture's sentinels in an error chain
// ("%w%w"), where suture finds them with errors.Is, without adding their
// text to the message a user reads.
var (
	DoNotRestart error = wrapOnly{suture.ErrDoNotRestart}
	Terminate    error = wrapOnly{suture.ErrTerminateSupervisorTree}
)

type wrapOnly struct{ err error }

func (w wrapOnly) Error() string { return "" }
func (w wrapOnly) Unwrap() error { return w.err }
