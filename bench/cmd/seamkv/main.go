// Command seamkv is the kv example's server as examples/kv wires it — a
// seam listener and an expiry sweep under a supervisor tree, serving
// server.Handler over the store, with the same listener settings and the
// same console logger — without the append-only file, and with the
// benchmark harness's control channel on stdin and stdout (package
// bench/internal/ctl).
//
// The harness runs it where it must see inside seam's server, which the kv
// example's flags cannot give: the instant Serve returns after a graceful
// stop and the instant the last handler returned, the live heap per idle
// connection, and the time from a broken listening socket to accepting
// again. The throughput and churn workloads run the kv example itself.
//
//	seamkv -addr 127.0.0.1:0
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	maxConns := flag.Int("maxconns", 20000, "most connections open at once (the kv example's default is 10000)")
	drain := flag.Duration("drain", 5*time.Second, "how long a graceful stop waits for connections, as the kv example's -drain")
	track := flag.Bool("track", true, "time the handlers, for the graceful stop and restart figures")
	hibernate := flag.Duration("hibernate-after", time.Second, "as the kv example's -hibernate-after; 0 turns hibernation off")
	flag.Parse()
	if err := run(*addr, *maxConns, *drain, *hibernate, *track); err != nil {
		fmt.Fprintln(os.Stderr, "seamkv:", err)
		os.Exit(1)
	}
}

func run(addr string, maxConns int, drain, hibernate time.Duration, track bool) error {
	log := ctl.Logger()
	st := store.New(nil)
	srv := &listener.Server{
		Name:         "listener kv",
		Addr:         addr,
		MaxConns:     maxConns,
		DrainTimeout: drain,
		Logger:       log,
		// The kv example's default: see its -hibernate-after.
		HibernateAfter: hibernate,
	}
	kv := server.New(server.Config{Store: st, Listener: srv, MaxConns: maxConns})
	// As the kv example: a client that has sent nothing waits asleep.
	srv.HibernateAtAccept = kv.WaitsForClient
	var h listener.Handler = kv
	var tr *ctl.Tracker
	if track {
		// Off for the throughput and churn workloads, as for barekv: the
		// timing must not weigh on one side of a ratio only.
		tr = ctl.NewTracker()
		h = tr.Wrap(h)
	}
	srv.Handler = h

	root := supervisor.New("kv", supervisor.Config{Logger: log, StopTimeout: drain + 8*time.Second})
	root.Add(&services.Periodic{
		Name:     "expire",
		Interval: 100 * time.Millisecond,
		Logger:   log,
		Job: func(context.Context) error {
			_, _ = st.Sweep(25 * time.Millisecond)
			return nil
		},
	})

	stop, err := ctl.StartTree(root, srv)
	if err != nil {
		return err
	}
	bound := srv.BoundAddr().String()
	cs := ctl.Server{
		Addr: bound, Tracker: tr, Stop: stop,
		Fault: func() error { return ctl.BreakListener(bound) },
		// The listener's count: a connection that has sent nothing has
		// no handler run to count (HibernateAtAccept).
		Accepted: func() uint64 { return srv.Stats().Accepted },
	}
	if hibernate > 0 {
		// Only then: the harness waits for a server that reports it
		// until its idle connections have hibernated.
		cs.Hibernated = func() int64 { return srv.Stats().Hibernated }
	}
	return ctl.Serve(os.Stdin, os.Stdout, cs)
}
