package listener

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/seamgo/seam/internal/bind"
)

// binder returns how one Serve opens the socket the acceptor serves, at
// the start and at every re-bind: through the Server's bind.Socket, which
// pins the port the kernel chose at the first bind and hands a given
// Listener out only once, after removing a stale unix socket file.
func (s *Server) binder(c config) func(context.Context) (net.Listener, error) {
	target := bind.Target{Network: c.network, Address: c.addr, Listener: c.listener, Listen: c.listen}
	return func(ctx context.Context) (net.Listener, error) {
		if c.listener == nil && c.network == "unix" {
			if err := removeStaleSocket(c.addr); err != nil {
				return nil, err
			}
		}
		ln, err := s.sock.Bind(ctx, target)
		var op *net.OpError
		if errors.As(err, &op) {
			// It says "listen tcp ...: bind: ..." already: once is enough.
			return nil, fmt.Errorf("%s: %w", errorName(c.name), err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: bind: %w", errorName(c.name), err)
		}
		return ln, nil
	}
}
