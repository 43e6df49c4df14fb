//go:build !unix

package listener

import "net"

// takeQueued takes nothing where the accept queue cannot be read without
// waiting: closing the socket resets what it holds.
func takeQueued(net.Listener, int) []net.Conn { return nil }
