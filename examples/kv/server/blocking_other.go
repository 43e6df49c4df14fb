//go:build !unix

package server

import "net"

// canPeek is false here: a blocked connection waits for its wait's end and
// its ctx only.
func canPeek(net.Conn) bool { return false }

// peerClosed is never asked here (canPeek).
func peerClosed(net.Conn) bool { return false }
