//go:build !unix

package server

import "net"

// peekable finds nothing here: a blocked connection waits for its wait's
// end and its ctx only.
func peekable(net.Conn) (net.Conn, bool) { return nil, false }

// peerClosed is never asked here (peekable).
func peerClosed(net.Conn) bool { return false }
