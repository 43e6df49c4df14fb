// Package floor is the least a goroutine-per-connection server can hold
// for a connection: the socket, one goroutine blocked in Read and the
// buffer it reads into. bench/cmd/floor runs it on a plain accept loop and
// bench/cmd/seamfloor as the handler of a seam listener, so that the
// difference between the two is what seam itself keeps per connection.
package floor

import (
	"context"
	"net"
)

// pong is the reply to every read that returns bytes: the workloads only
// send PING, one at a time, and wait for the answer, so one read is one
// request.
var pong = []byte("+PONG\r\n")

// Loop reads from c until a read fails, answering +PONG to every read that
// returns bytes, and returns the error that ended it. It does not close c.
//
// The buffer is a local array, declared here so that nothing outlives the
// goroutine but what the runtime needs. It does not stay on the stack:
// `go build -gcflags=-m ./bench/internal/floor` (go1.26) reports "moved to
// heap: buf", because Read is called through the net.Conn interface and
// escape analysis cannot see that no implementation keeps the slice. With
// c a *net.TCPConn, a concrete call, the same loop keeps buf on the stack
// (checked the same way), but seam's listener hands its handlers a conn
// of its own, and floor and seamfloor must run the same code: so both pay
// one 512-byte heap object per connection.
func Loop(c net.Conn) error {
	var buf [512]byte
	for {
		n, err := c.Read(buf[:])
		if n > 0 {
			if _, werr := c.Write(pong); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}

// Handler is [Loop] as a seam listener's handler. It leaves ctx alone: a
// floor watches nothing but its socket, so at a graceful stop it returns
// only when the listener closes the connection (at the end of the drain).
func Handler(_ context.Context, c net.Conn) error { return Loop(c) }
