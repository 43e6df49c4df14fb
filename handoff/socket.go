package handoff

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
)

// ErrNoSocket is wrapped by the error of a bind function when the process
// has no inherited socket that fits: none by that name, or one of another
// network.
var ErrNoSocket = errors.New("handoff: no such inherited socket")

// ErrUnsupported is wrapped by the error of [Systemd]'s bind function and
// of [New] on a platform where a process cannot inherit sockets by their
// descriptors (Windows). It wraps errors.ErrUnsupported, as Go's own
// packages report an operation a platform lacks, so either test works.
var ErrUnsupported = fmt.Errorf("handoff: socket handoff is not supported on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// listenOn returns a listener on a duplicate of f's descriptor, so that
// closing the listener leaves f, and the socket, open. network is the
// network the listener.Server asked for; a socket of another kind is an
// error.
func listenOn(f *os.File, name, network string) (net.Listener, error) {
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("handoff: socket %s: %w", name, err)
	}
	if have := ln.Addr().Network(); isUnix(have) != isUnix(network) {
		ln.Close()
		return nil, fmt.Errorf("%w: %s is a %s socket, not %s", ErrNoSocket, name, have, network)
	}
	return ln, nil
}

func isUnix(network string) bool { return network == "unix" || network == "unixpacket" }
