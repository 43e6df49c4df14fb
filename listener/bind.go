package listener

import (
	"fmt"
	"net"
)

// bind opens the socket the acceptor serves. After the first bind the
// address is pinned to what the kernel chose, so an acceptor restarted after
// a fault binds the same port again even when Addr asked for port 0.
func (r *run) bind() (net.Listener, error) {
	if r.cfg.listener != nil {
		return r.cfg.listener, nil
	}
	addr := r.boundAddr
	if addr == "" {
		addr = r.cfg.addr
	}
	if r.cfg.network == "unix" {
		if err := removeStaleSocket(addr); err != nil {
			return nil, err
		}
	}
	ln, err := r.cfg.listen(r.cfg.network, addr)
	if err != nil {
		return nil, fmt.Errorf("listener %s: bind: %w", r.cfg.name, err)
	}
	if r.boundAddr == "" {
		r.boundAddr = ln.Addr().String()
	}
	return ln, nil
}
