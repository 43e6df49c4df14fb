package listener

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/seamgo/seam/internal/bind"
)

// bind opens the socket the acceptor serves, at the start and at every
// re-bind, through the Server's bind.Socket, which pins the port the
// kernel chose at the first bind and hands a given Listener out only
// once, after removing a stale unix socket file.
func (r *run) bind(ctx context.Context) (net.Listener, error) {
	if r.listener == nil && r.network == "unix" {
		if err := removeStaleSocket(r.addr); err != nil {
			return nil, err
		}
	}
	ln, err := r.sock.Bind(ctx, bind.Target{Network: r.network, Address: r.addr, Listener: r.listener, Listen: r.openSocket})
	var op *net.OpError
	if errors.As(err, &op) {
		// It says "listen tcp ...: bind: ..." already: once is enough.
		return nil, fmt.Errorf("%s: %w", errorName(r.name), err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: bind: %w", errorName(r.name), err)
	}
	return ln, nil
}
