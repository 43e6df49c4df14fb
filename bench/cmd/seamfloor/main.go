// Command seamfloor is the floor of bench/cmd/floor served by seam: the
// same loop (package bench/internal/floor) as the handler of a seam
// listener.Server under a supervisor, as bench/cmd/seamkv wires the kv
// example minus the store, the expiry sweep and the logger. Its memory per
// connection less floor's is what seam itself keeps per connection: the
// listener's conn, the connection's suture service entry and its share of
// a connection supervisor.
//
// It speaks the harness's control protocol on stdin and stdout (package
// bench/internal/ctl); logs, off unless -log, go to stderr.
//
//	seamfloor -addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/bench/internal/floor"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	maxConns := flag.Int("maxconns", 20000, "most connections open at once")
	// The floor loop watches only its socket, never its ctx, so a stop
	// always lasts the whole drain before the listener closes the
	// connections: keep it short, it is not what this server measures.
	drain := flag.Duration("drain", 100*time.Millisecond, "how long a graceful stop waits before closing the connections")
	logs := flag.Bool("log", false, "log to stderr as seamkv does; with a logger the listener builds one per connection, which the floor leaves out")
	flag.Parse()
	if err := run(*addr, *maxConns, *drain, *logs); err != nil {
		fmt.Fprintln(os.Stderr, "seamfloor:", err)
		os.Exit(1)
	}
}

func run(addr string, maxConns int, drain time.Duration, logs bool) error {
	log := zerolog.Nop()
	if logs {
		log = ctl.Logger()
	}
	srv := &listener.Server{
		Name:         "listener floor",
		Addr:         addr,
		Handler:      listener.HandlerFunc(floor.Handler),
		MaxConns:     maxConns,
		DrainTimeout: drain,
		Logger:       log,
	}
	root := supervisor.New("floor", supervisor.Config{Logger: log, StopTimeout: drain + 8*time.Second})

	stop, err := ctl.StartTree(root, srv)
	if err != nil {
		return err
	}
	return ctl.Serve(os.Stdin, os.Stdout, ctl.Server{
		Addr: srv.BoundAddr().String(), Stop: stop,
		Accepted: func() uint64 { return srv.Stats().Accepted },
	})
}
