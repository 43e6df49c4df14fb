// Command floor is the Go floor of seam's memory benchmarks: a plain
// net.Listener accept loop and, per connection, one goroutine blocked in
// Read on a 512-byte buffer that answers +PONG to whatever arrives
// (package bench/internal/floor). Nothing else: no ctx per connection, no
// set of open connections, no wait at stop. It is the least any
// goroutine-per-connection server can hold for an idle connection, so
// every other Go server's memory per connection can be read against it.
//
// It speaks the harness's control protocol on stdin and stdout (package
// bench/internal/ctl); errors go to stderr. Having kept nothing to find
// its connections with, its stop closes only the listener: serve_ns is
// the accept loop's return, there is no drain figure, and the connections
// end with the process.
//
//	floor -addr 127.0.0.1:0
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/bench/internal/bare"
	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/bench/internal/floor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	viaConn := flag.Bool("netconn", false, "read through the net.Conn interface, whose buffer escapes to the heap, so that the goroutine keeps its 2 KiB stack")
	flag.Parse()
	loop := floor.Loop
	if *viaConn {
		loop = floor.LoopConn
	}
	if err := run(*addr, loop); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(addr string, loop func(net.Conn) error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// One counter for the whole server, so that the harness can tell when
	// connections that sent nothing have been accepted; it costs no
	// memory per connection.
	var accepted atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	go func() {
		// bare's loop, for its backoff on temporary errors; not
		// bare.Serve, whose per-connection ctx and wait the floor must
		// not pay for.
		if err := bare.Accept(ctx, ln, func(c net.Conn) {
			accepted.Add(1)
			go serve(c, loop)
		}); err != nil {
			fmt.Fprintln(os.Stderr, "floor: accept:", err)
		}
		done <- time.Now()
	}()
	stop := func() time.Time {
		cancel()
		ln.Close() // wakes the blocked Accept
		return <-done
	}
	return ctl.Serve(os.Stdin, os.Stdout, ctl.Server{Addr: ln.Addr().String(), Stop: stop, Accepted: accepted.Load})
}

// serve runs the floor loop until the client leaves.
func serve(c net.Conn, loop func(net.Conn) error) {
	defer c.Close()
	_ = loop(c)
}
