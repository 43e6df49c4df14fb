// Command kv is the kv example's Redis-protocol server with its PUB/SUB
// carried across instances over NATS: run several behind a balancer with
// the same -nats, and a PUBLISH made on any of them reaches the SUBSCRIBE
// and PSUBSCRIBE clients of all, each publisher's messages in order, at
// most once, as in Redis Cluster.
//
//	nats-server -p 4222 &
//	go run ./examples/kv -addr 127.0.0.1:6381 -nats nats://127.0.0.1:4222 &
//	go run ./examples/kv -addr 127.0.0.1:6382 -nats nats://127.0.0.1:4222 &
//	redis-cli -p 6381 subscribe news
//	redis-cli -p 6382 publish news hello    # answers 0: no receiver on 6382
//
// PUBLISH answers the number of receivers on the instance it was made on,
// as a Redis Cluster node does. Without -nats this is kv with PUB/SUB
// local to the process. When NATS is out of reach, each instance delivers
// its own PUBLISHes locally, logs one line, counts what it could not send
// (seam_bus_dropped_total, seam_bus_connected on /metrics) and reconnects
// by itself.
//
// It is built from the kv example's packages, keys held in memory only:
// the fleet shares PUB/SUB, not the keyspace, and the stock kv (in the
// root module, which does not depend on NATS) keeps the append-only file
// and the upgrade.
//
// Flags:
//
//	-addr              address to listen on (default 127.0.0.1:6380)
//	-nats              NATS URL(s), comma-separated; empty: PUB/SUB local to this process
//	-subject           NATS subject shared by the fleet (default seam.pubsub)
//	-admin             address of the admin endpoints (/healthz, /readyz, /metrics, /debug/tree); empty: none
//	-maxconns          most connections open at once; 0 means no cap (default 10000)
//	-shutdown-timeout  the whole graceful stop's budget (default 10s)
//	-lameduck          how long to keep serving, not ready, after SIGTERM before the stop (default 0)
//	-loglevel          debug, info, warn or error (default info)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/nats/natsbus"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stderr, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "kv:", err)
		os.Exit(1)
	}
}

// run parses flags, builds the tree and serves it until a signal or ctx
// ends it. bound, if not nil, gets the listener's address once the tree
// is ready; it must have room for it.
func run(ctx context.Context, args []string, logTo io.Writer, bound chan<- net.Addr) error {
	fs := flag.NewFlagSet("kv", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:6380", "address to listen on")
	natsURL := fs.String("nats", "", "NATS URL(s), comma-separated; empty: PUB/SUB local to this process")
	subject := fs.String("subject", natsbus.DefaultSubject, "NATS subject shared by the fleet")
	adminAddr := fs.String("admin", "", "address of the admin endpoints (/healthz, /readyz, /metrics, /debug/tree); empty: none")
	maxConns := fs.Int("maxconns", 10000, "most connections open at once; 0 means no cap")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "the whole graceful stop's budget")
	lameDuck := fs.Duration("lameduck", 0, "how long to keep serving, not ready, after SIGTERM before the stop")
	level := fs.String("loglevel", "info", "least severe level logged: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lvl, err := zerolog.ParseLevel(*level)
	if err != nil || *level == "" {
		return fmt.Errorf("-loglevel %q is not one of debug, info, warn, error", *level)
	}
	log := zerolog.New(logTo).Level(lvl).With().Timestamp().Logger()

	reg := prometheus.NewRegistry()
	hubCfg := pubsub.Config{Logger: log}
	var bus *natsbus.Bus
	if *natsURL != "" {
		bus = &natsbus.Bus{URL: *natsURL, Subject: *subject, Logger: log}
		hubCfg.Bus = bus
		reg.MustRegister(bus.Collector())
	}
	hub := pubsub.NewHub(hubCfg)
	st := store.New(nil)
	ln := &listener.Server{Name: "listener kv", Addr: *addr, MaxConns: *maxConns, Logger: log}
	ln.Handler = server.New(server.Config{Store: st, Listener: ln, MaxConns: *maxConns, PubSub: hub})

	health := &supervisor.Health{}
	var children []suture.Service
	if *adminAddr != "" {
		children = append(children, &admin.Server{Addr: *adminAddr, Health: health, Gatherer: reg, Logger: log})
	}
	children = append(children, &services.Periodic{
		Name:     "expire",
		Interval: 100 * time.Millisecond, // Redis's hz 10
		Logger:   log,
		Job: func(context.Context) error {
			st.Sweep(25 * time.Millisecond)
			return nil
		},
	}, hub)
	if bus != nil {
		// After the hub, which it delivers to; before the listener, so
		// that the first client's PUBLISH can already leave.
		bus.Deliver = func(ctx context.Context, channel, payload []byte) error {
			_, err := hub.Deliver(ctx, channel, payload)
			return err
		}
		children = append(children, bus)
	}
	children = append(children, ln)
	tree := &supervisor.Group{Name: "kv", Services: children, Logger: log}
	return supervisor.Run(ctx, tree, supervisor.RunConfig{
		Logger:          log,
		Health:          health,
		ShutdownTimeout: *shutdown,
		LameDuck:        *lameDuck,
		OnReady: func() {
			if bound != nil {
				bound <- ln.BoundAddr()
			}
		},
	})
}
