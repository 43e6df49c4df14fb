package listener

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"

	"github.com/seamgo/seam/internal/bind"
)

// defaultUnixSocketPerm is the mode of a unix socket file when
// Server.UnixSocketPerm is 0: read and write for the owner only.
//
// Serve sets the mode after the bind and before it hands the socket to
// the acceptor, so before the first Accept, at the start and at every
// re-bind: redis-server's order for its unixsocketperm (listen, then
// chmod). A window remains, as in Redis: between the bind and the chmod
// the file has the mode the umask gives (0777 less the umask), and a
// client the umask admits may connect then and be queued for the first
// Accept. A process that must close it runs with a umask of 077, or puts
// the socket in a directory only its clients may enter. Serve cannot set
// the umask around the bind: it is the whole process's, and other
// goroutines create files meanwhile. Abstract sockets ("@name") have no
// file and no mode; a socket given as Server.Listener is left as it is.
const defaultUnixSocketPerm fs.FileMode = 0o600

// withUnixPerm returns listen changed to set the socket file to perm
// (defaultUnixSocketPerm when 0) before it returns.
func withUnixPerm(listen bind.ListenFunc, perm fs.FileMode) (bind.ListenFunc, error) {
	if perm&^fs.ModePerm != 0 {
		return nil, fmt.Errorf("UnixSocketPerm is %#o; want permission bits only (0 for %#o)", uint32(perm), uint32(defaultUnixSocketPerm))
	}
	if perm == 0 {
		perm = defaultUnixSocketPerm
	}
	if listen == nil {
		var lc net.ListenConfig
		listen = lc.Listen
	}
	return func(ctx context.Context, network, address string) (net.Listener, error) {
		ln, err := listen(ctx, network, address)
		if err != nil || address == "" || address[0] == '@' {
			return ln, err
		}
		if err := os.Chmod(address, perm); err != nil {
			ln.Close()
			return nil, fmt.Errorf("listener: unix socket %s: setting its mode: %w", address, err)
		}
		return ln, nil
	}, nil
}
