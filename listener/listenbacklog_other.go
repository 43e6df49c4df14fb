//go:build !unix

package listener

import "net"

// setBacklog leaves the socket's accept queue as net.Listen made it:
// Windows cannot change the length of a socket that listens already.
func setBacklog(net.Listener, int) error { return nil }
