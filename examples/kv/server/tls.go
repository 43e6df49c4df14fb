package server

import (
	"crypto/tls"
	"net"
)

// runsInline reports whether nc's bursts of commands run on its own
// goroutine rather than on the stack pool's workers: a TLS connection
// does. listener.WaitReadable cannot see into a TLS connection (its
// records may hold decrypted bytes already) and returns at once, so the
// wait for bytes happens in the burst's Read: on a worker, the
// connection would hold the worker and its own goroutine while idle, and
// pay two goroutine switches per burst for nothing. On its own goroutine
// it holds one grown stack, as without the pool.
func runsInline(nc net.Conn) bool {
	_, ok := nc.(*tls.Conn)
	return ok
}
