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
// The buffer is a local array, on the goroutine's stack as the floor's
// definition says: a TCP connection is read through its concrete type,
// since a call through the net.Conn interface would move the array to the
// heap (escape analysis cannot see that no implementation keeps the
// slice; `go build -gcflags=-m ./bench/internal/floor` shows which loop
// keeps it where). seam's listener hands a handler the accepted
// *net.TCPConn itself when no TLS, PROXY header or idle timeout layers it,
// so floor and seamfloor run the same, stack-only loop.
func Loop(c net.Conn) error {
	if tc, ok := c.(*net.TCPConn); ok {
		return loopTCP(tc)
	}
	return loopConn(c)
}

func loopTCP(c *net.TCPConn) error {
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

// LoopConn is Loop through the net.Conn interface whatever c is, the
// netconn floor: its buffer escapes to the heap, 512 bytes there, and the
// goroutine keeps the 2 KiB stack it started with. It is the least a
// goroutine per connection can hold: 4 KiB of stack against 2 KiB and a
// small heap object.
func LoopConn(c net.Conn) error { return loopConn(c) }

// loopConn is loopTCP for any other conn (the tests' net.Pipe); its buffer
// is on the heap. It is a copy, not one generic loop for both, because a
// generic loop is compiled once for every pointer type and calls Read
// through a dictionary, which moves the buffer to the heap for
// *net.TCPConn too (checked with -gcflags=-m, go1.26).
func loopConn(c net.Conn) error {
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
