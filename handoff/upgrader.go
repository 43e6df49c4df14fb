package handoff

import (
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/cloudflare/tableflip"
)

// Upgrader is a *tableflip.Upgrader whose [Upgrader.Bind] is a bind
// function for listener.Server. It has the methods that
// supervisor.RunConfig's Upgrader needs: give it there, and Run upgrades
// the program at SIGHUP, tells the previous binary when this one is ready,
// and stops the Upgrader before it returns.
type Upgrader struct {
	*tableflip.Upgrader

	mu   sync.Mutex
	held map[key]*os.File // by the address asked and by the one bound
}

type key struct{ network, address string }

// New returns an Upgrader; see tableflip.New, which it calls: a process
// has at most one, and opts.PIDFile, when set, receives the process's PID
// once its tree is ready, for the process manager to follow the upgrades.
// Where tableflip cannot pass sockets to a new process (Windows), it
// returns an error wrapping [ErrUnsupported]: a program that should run
// there too serves without upgrades, binding its sockets itself.
func New(opts tableflip.Options) (*Upgrader, error) {
	if !supported {
		return nil, fmt.Errorf("%w: zero-downtime upgrade", ErrUnsupported)
	}
	u, err := tableflip.New(opts)
	if err != nil {
		return nil, err
	}
	return &Upgrader{Upgrader: u, held: map[key]*os.File{}}, nil
}

// Bind is a bind function for listener.Server's Bind. The first call for
// a network and address returns the socket inherited from the previous
// binary under them, or a new one bound there if there is none (tableflip's
// Fds.Listen), and keeps a duplicate of it: later calls, with that address
// or with the one the kernel bound for it (the Server's re-binds ask for
// that), return a new listener on the same socket, so that an acceptor
// restart keeps serving it. The socket passes to the next binary at an
// upgrade under the address first asked: give the successor the same one.
// It is safe for concurrent use.
func (u *Upgrader) Bind(network, address string) (net.Listener, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if f := u.held[key{network, address}]; f != nil {
		return listenOn(f, address, network)
	}
	ln, err := u.Fds.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("handoff: %w", err)
	}
	// tableflip's listeners have File, which duplicates the descriptor,
	// close-on-exec: tableflip passes its own copy to the successor.
	filer, ok := ln.(interface{ File() (*os.File, error) })
	if !ok {
		ln.Close()
		return nil, fmt.Errorf("handoff: %T has no descriptor to keep", ln)
	}
	f, err := filer.File()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("handoff: keeping %s: %w", address, err)
	}
	u.held[key{network, address}] = f
	u.held[key{network, ln.Addr().String()}] = f
	return ln, nil
}

// Stop stops the tableflip.Upgrader (see its Stop) and closes the
// sockets Bind keeps; listeners still open keep theirs. supervisor.Run
// calls it before it returns. It is idempotent.
func (u *Upgrader) Stop() {
	u.Upgrader.Stop()
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, f := range u.held {
		f.Close() // a second Close, for a socket under two keys, does nothing
		delete(u.held, k)
	}
}
