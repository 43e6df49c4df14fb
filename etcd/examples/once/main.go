// Command once runs a periodic job once across a fleet: start it on
// several machines (or several times on one) against the same etcd, and
// only the instance that leads the election "once" runs the job; when it
// dies, is cut off or stops, another instance takes over.
//
//	go run ./examples/once -etcd http://127.0.0.1:2379 -admin 127.0.0.1:9131
//	go run ./examples/once -etcd http://127.0.0.1:2379 -admin 127.0.0.1:9132
//
// Each run of the job is recorded in etcd under /seam/once/runs/, with the
// instance that ran it, its fencing token and its start and end:
//
//	etcdctl get --prefix /seam/once/runs/
//
// Every write is guarded by the term's fence, so a leader that lost its
// term in the middle of a run cannot record anything more: its late write
// is refused and logged. The records of a fleet therefore show runs that
// never overlap, with tokens that only grow.
//
// The admin endpoints (-admin) show the role: /debug/tree names the
// service "once [leader 42]" or "once [standby]", and /metrics has
// seam_singleton_leader and seam_singleton_fence. Every instance is ready,
// leader or not.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/seamgo/seam/etcd/singleton"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stderr, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "once:", err)
		os.Exit(1)
	}
}

// run parses flags, builds the tree and serves it until a signal or ctx
// ends it. onReady, if not nil, is called once the tree is ready (leader
// or standby).
func run(ctx context.Context, args []string, logTo io.Writer, onReady func()) error {
	fs := flag.NewFlagSet("once", flag.ContinueOnError)
	endpoints := fs.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	adminAddr := fs.String("admin", "", "address of the admin endpoints (/healthz, /readyz, /metrics, /debug/tree), e.g. 127.0.0.1:9131; empty: none")
	name := fs.String("name", "once", "election name: instances with the same name run the job once between them")
	interval := fs.Duration("interval", 2*time.Second, "time between runs of the job")
	work := fs.Duration("work", 500*time.Millisecond, "how long one run of the job works")
	ttl := fs.Duration("ttl", 5*time.Second, "lease TTL: how long the fleet may go without a leader after a crash")
	id := fs.String("id", "", "this instance's name in the records; default host/pid")
	level := fs.String("loglevel", "info", "least severe level logged: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lvl, err := zerolog.ParseLevel(*level)
	if err != nil || *level == "" {
		return fmt.Errorf("-loglevel %q is not one of debug, info, warn, error", *level)
	}
	if *id == "" {
		host, _ := os.Hostname()
		*id = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	log := zerolog.New(logTo).Level(lvl).With().Timestamp().Str("instance", *id).Logger()

	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(*endpoints, ","),
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer cli.Close()

	j := &job{cli: cli, prefix: "/seam/" + *name + "/runs/", instance: *id, work: *work, log: log}
	lead := &singleton.Service{
		Name:   *name,
		Client: cli,
		TTL:    *ttl,
		Value:  *id,
		Logger: log,
		Child:  &services.Periodic{Name: "job", Interval: *interval, Job: j.run, Logger: log},
	}
	health := &supervisor.Health{}
	tree := &supervisor.Group{Name: "once", Logger: log, Services: []suture.Service{lead}}
	if *adminAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(lead.Collector())
		tree.Services = append(tree.Services, &admin.Server{Addr: *adminAddr, Health: health, Gatherer: reg, Logger: log})
	}
	return supervisor.Run(ctx, tree, supervisor.RunConfig{Logger: log, Health: health, OnReady: onReady})
}

// Record is one run of the job as stored in etcd, under the prefix and
// the start time in nanoseconds.
type Record struct {
	Instance string    `json:"instance"`
	Fence    int64     `json:"fence"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"` // zero while running, or if cut short
}

// job is the work that must run once across the fleet.
type job struct {
	cli      *clientv3.Client
	prefix   string
	instance string
	work     time.Duration
	log      zerolog.Logger
}

// run records its start, works, and records its end, each write guarded
// by the term's fence. A refused write means the term is over: the run
// stops there, and the next leader's runs are the ones that count.
func (j *job) run(ctx context.Context) error {
	f, ok := singleton.FromContext(ctx)
	if !ok {
		return errors.New("once: job run outside a term")
	}
	rec := Record{Instance: j.instance, Fence: f.Revision, Start: time.Now()}
	key := fmt.Sprintf("%s%020d", j.prefix, rec.Start.UnixNano())
	if ok, err := j.put(ctx, f, key, rec); !ok {
		return err
	}
	t := time.NewTimer(j.work)
	defer t.Stop()
	select {
	case <-ctx.Done():
		j.log.Info().Int64("fence", f.Revision).Msg("run cut short: term ended")
		return nil
	case <-t.C:
	}
	rec.End = time.Now()
	if ok, err := j.put(ctx, f, key, rec); !ok {
		return err
	}
	j.log.Info().Int64("fence", f.Revision).Str("key", key).Msg("run recorded")
	return nil
}

// put writes rec under key if f's term still holds. It reports whether
// the write was made; an etcd error is returned unless ctx ended.
func (j *job) put(ctx context.Context, f singleton.Fence, key string, rec Record) (bool, error) {
	v, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	resp, err := j.cli.Txn(ctx).If(f.Guard()).Then(clientv3.OpPut(key, string(v))).Commit()
	switch {
	case ctx.Err() != nil:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("once: record run: %w", err)
	case !resp.Succeeded:
		j.log.Warn().Int64("fence", f.Revision).Msg("write refused: this instance no longer leads")
		return false, nil
	}
	return true, nil
}
