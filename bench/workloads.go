package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/internal/loopback"
)

// harness runs the workloads against the servers and collects results.
type harness struct {
	cfg     config
	tmp     string
	bins    map[string]string
	redisSv string // path of redis-server, "" when absent
	redisBm string // path of redis-benchmark, "" when the Go generator is used
	res     *results
	log     io.Writer
	starts  int
	pin     pinning
}

// A workload runs one round: against one system at a time (run), or
// against all of them together (runAll), alternating within the round.
type workload struct {
	name    string
	systems []system // the systems it applies to; nil means all
	run     func(h *harness, ctx context.Context, sys system, round int) error
	runAll  func(h *harness, ctx context.Context, systems []system, round int) error
}

var workloads = []workload{
	// The floors answer PING and nothing else.
	{name: "throughput", systems: loadSystems, runAll: (*harness).throughput},
	{name: "churn", systems: loadSystems, runAll: (*harness).churn},
	{name: "memory", run: (*harness).memory},
	// A graceful stop (and so its drain) only has a meaning where the
	// server waits for its handlers: redcon's Close and redis's SHUTDOWN
	// do not.
	{name: "stop", systems: []system{sysSeam, sysSeamNoHib, sysBare}, run: (*harness).stop},
	// Only seam comes back from a broken listening socket; a bare accept
	// loop returns the error and the server is gone.
	{name: "restart", systems: []system{sysSeam}, run: (*harness).restart},
	// Pub/sub is the kv example's and redis-server's only: the baseline
	// and redcon serve no hub.
	{name: "fanout", runAll: (*harness).fanout},
	// redcon and seamfloor would only repeat what the memory workload
	// says of them.
	// Replaying an append-only file: the kv example (and its build
	// from -before) against redis-server on the same records.
	{name: "aofrestart", systems: []system{sysSeam, sysBefore, sysRedis}, run: (*harness).aofRestart},
	{name: "scale", systems: []system{sysSeam, sysSeamNoHib, sysBare, sysRedis, sysFloor, sysNetFloor}, runAll: (*harness).scale},
	// The first reply after a wake from hibernation, against the same
	// wait on a server that does not hibernate (wake.go).
	{name: "wake", systems: []system{sysSeam, sysSeamNoHib}, runAll: (*harness).wake},
	// TLS is the kv example's (-tls-addr, and its build from -before)
	// and redis-server's (--tls-port): the baseline and redcon serve
	// none (tls.go).
	{name: "tls", systems: []system{sysSeam, sysBefore, sysBare, sysRedis}, runAll: (*harness).tlsWorkload},
}

// The figures, by workload.
var (
	figChurn     = figure{key: "churn", unit: "req/s"}
	figStopIdle  = figure{key: "stop_idle", unit: "ms"}
	figStopBusy  = figure{key: "stop_busy", unit: "ms"}
	figDrainIdle = figure{key: "drain_idle", unit: "µs"}
	figDrainBusy = figure{key: "drain_busy", unit: "µs"}
	figRestart   = figure{key: "restart", unit: "ms", name: "acceptor restart: fault to accepting again"}
)

func throughputFig(cmd string, conns, pipeline int) figure {
	return figure{
		key:  fmt.Sprintf("%s_p%d", strings.ToLower(cmd), pipeline),
		name: fmt.Sprintf("%s, %d conns, pipeline %d", cmd, conns, pipeline),
		unit: "req/s",
	}
}

// start runs sys. Workloads that look inside the server (withCtl) run
// seam as bench/cmd/seamkv, the kv example's wiring with a control
// channel; the others run the kv example itself.
// withServer starts sys with its control channel, runs fn with it and
// kills what fn left running: on fn's early return the server is still
// up; after a stop, the kill finds it gone.
func (h *harness) withServer(ctx context.Context, sys system, fn func(s *process) error) error {
	s, err := h.start(ctx, sys, true)
	if err != nil {
		return err
	}
	defer s.kill()
	return fn(s)
}

func (h *harness) start(ctx context.Context, sys system, withCtl bool) (*process, error) {
	h.starts++
	logPath := filepath.Join(h.tmp, fmt.Sprintf("%03d-%s.log", h.starts, sys))
	track := strconv.FormatBool(withCtl)
	switch sys {
	case sysSeam, sysSeamNoHib, sysSeamTimeout, sysBefore:
		if (sys == sysSeam || sys == sysSeamNoHib) && (withCtl || h.cfg.seamBin == "seamkv") {
			args := []string{"-addr", "127.0.0.1:0", "-maxconns", strconv.Itoa(h.cfg.maxConns()), "-track=" + track}
			if sys == sysSeamNoHib {
				args = append(args, "-hibernate-after", "0")
			}
			return h.launch(ctx, sys, h.bins[binSeamKV], args, logPath, "", true)
		}
		addr, err := loopback.FreeAddr()
		if err != nil {
			return nil, err
		}
		bin, args := h.bins[binKV], kvArgs(addr)
		switch sys {
		case sysSeamTimeout:
			args = append(args, "-timeout", "3600")
		case sysSeamNoHib:
			args = append(args, "-hibernate-after", "0")
		case sysBefore:
			bin = h.bins[binKVBefore]
		}
		return h.launch(ctx, sys, bin, args, logPath, addr, false)
	case sysBare:
		return h.launch(ctx, sys, h.bins[binBareKV], []string{"-addr", "127.0.0.1:0", "-track=" + track}, logPath, "", true)
	case sysRedcon:
		return h.launch(ctx, sys, h.bins[binRedcon], []string{"-addr", "127.0.0.1:0"}, logPath, "", true)
	case sysFloor:
		return h.launch(ctx, sys, h.bins[binFloor], []string{"-addr", "127.0.0.1:0"}, logPath, "", true)
	case sysNetFloor:
		return h.launch(ctx, sys, h.bins[binFloor], []string{"-addr", "127.0.0.1:0", "-netconn"}, logPath, "", true)
	case sysSeamFloor:
		return h.launch(ctx, sys, h.bins[binSeamFloor],
			[]string{"-addr", "127.0.0.1:0", "-maxconns", strconv.Itoa(h.cfg.maxConns())}, logPath, "", true)
	case sysRedis:
		addr, err := loopback.FreeAddr()
		if err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		return h.launch(ctx, sys, h.redisSv, []string{
			"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--maxclients", strconv.Itoa(h.cfg.maxConns()),
			"--dir", h.tmp, "--loglevel", "warning",
		}, logPath, addr, false)
	}
	return nil, fmt.Errorf("unknown system %q", sys)
}

// launch starts a server, pinned to the server CPUs when -pin is on.
func (h *harness) launch(ctx context.Context, sys system, bin string, args []string, logPath, addr string, useCtl bool) (*process, error) {
	bin, args = pinned(h.pin.server, bin, args)
	return startServer(ctx, sys, bin, args, logPath, addr, useCtl)
}

// kvArgs runs the kv example with persistence off, so that the throughput
// workloads measure the framework and the store, not the disk.
func kvArgs(addr string) []string {
	return []string{"-addr", addr, "-aof", ""}
}

// generate runs l with redis-benchmark when it is installed, else with the
// Go generator, and returns requests per second. Either stops by itself
// after l.requests, or at the run timeout.
func (h *harness) generate(ctx context.Context, l load) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
	defer cancel()
	if h.redisBm != "" {
		bin, args := pinned(h.pin.load, h.redisBm, redisBenchmarkArgs(l))
		return redisBenchmark(ctx, bin, args, l.cmd)
	}
	res, err := runLoad(ctx, l)
	if err != nil {
		return 0, err
	}
	if res.errors > 0 {
		return 0, fmt.Errorf("%d error replies", res.errors)
	}
	return res.rps(), nil
}

// startAll starts every system's server for a load workload, so that each
// load test can then run on all of them back to back: pairing the systems
// seconds apart, not a whole round apart, keeps a machine whose speed
// drifts (other work, frequency, the scheduler) from tilting the ratios.
func (h *harness) startAll(ctx context.Context, systems []system, what string, round int) ([]*process, func() error, error) {
	return h.startEach(ctx, systems,
		func(ctx context.Context, sys system) (*process, error) { return h.start(ctx, sys, false) },
		func(p *process) error { return h.profileLoad(ctx, p, what, round) })
}

// startEach starts every system with start, then runs after (if any) on
// it, and returns a function that stops them all. On an error, those
// started are stopped.
func (h *harness) startEach(ctx context.Context, systems []system,
	start func(context.Context, system) (*process, error), after func(*process) error,
) ([]*process, func() error, error) {
	var procs []*process
	stopAll := func() error {
		var errs []error
		for _, p := range procs {
			if _, err := p.stop(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		procs = nil
		return errors.Join(errs...)
	}
	for _, sys := range systems {
		p, err := start(ctx, sys)
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		procs = append(procs, p)
		if after == nil {
			continue
		}
		if err := after(p); err != nil {
			stopAll()
			return nil, nil, err
		}
	}
	return procs, stopAll, nil
}

// throughput runs SET then GET (so that GET finds keys) at each pipeline
// depth, each test on every system in turn.
func (h *harness) throughput(ctx context.Context, systems []system, round int) error {
	procs, stopAll, err := h.startAll(ctx, systems, "throughput", round)
	if err != nil {
		return err
	}
	defer stopAll()
	if err := h.throughputTests(ctx, procs, round, h.generate, throughputFig); err != nil {
		return err
	}
	return stopAll()
}

// throughputTests runs the throughput tests on procs through gen, the
// figures named by fig: the plain ones, or TLS's (tls.go).
func (h *harness) throughputTests(ctx context.Context, procs []*process, round int,
	gen func(context.Context, load) (float64, error), fig func(cmd string, conns, pipeline int) figure,
) error {
	for _, p := range h.cfg.pipelines {
		n := h.cfg.requests
		if p > 1 {
			n = h.cfg.pipelinedRequests
		}
		for _, cmd := range []string{"SET", "GET"} {
			for _, s := range procs {
				rps, err := gen(ctx, load{
					addr: s.addr, cmd: cmd, conns: h.cfg.conns, pipeline: p, requests: n,
					keyspace: h.cfg.keyspace, valueLen: h.cfg.valueLen,
				})
				if err != nil {
					return fmt.Errorf("%s: %s pipeline %d: %w", s.sys, cmd, p, err)
				}
				h.add(fig(cmd, h.cfg.conns, p), s.sys, round, rps)
			}
		}
	}
	return nil
}

// churn connects anew for every request.
func (h *harness) churn(ctx context.Context, systems []system, round int) error {
	procs, stopAll, err := h.startAll(ctx, systems, "churn", round)
	if err != nil {
		return err
	}
	defer stopAll()
	f := figChurn
	f.name = fmt.Sprintf("GET, a new connection per request, %d clients", h.cfg.conns)
	if err := h.churnTest(ctx, procs, round, h.generate, f); err != nil {
		return err
	}
	return stopAll()
}

// churnTest runs the churn test on procs through gen, as figure f.
func (h *harness) churnTest(ctx context.Context, procs []*process, round int,
	gen func(context.Context, load) (float64, error), f figure,
) error {
	for _, s := range procs {
		rps, err := gen(ctx, load{
			addr: s.addr, cmd: "GET", conns: h.cfg.conns, pipeline: 1, requests: h.cfg.churnRequests,
			keyspace: h.cfg.keyspace, valueLen: h.cfg.valueLen, churn: true,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", s.sys, err)
		}
		h.add(f, s.sys, round, rps)
	}
	return nil
}

// stop measures a graceful stop with idle connections, then with busy
// ones: from the cancel to Serve returning, and from the last handler
// returning to Serve returning (the drain's own cost).
func (h *harness) stop(ctx context.Context, sys system, round int) error {
	if err := h.stopIdle(ctx, sys, round); err != nil {
		return err
	}
	return h.stopBusy(ctx, sys, round)
}

func (h *harness) stopIdle(ctx context.Context, sys system, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		before, err := h.connCount(ctx, s)
		if err != nil {
			return err
		}
		conns, err := openIdle(ctx, s.addr, h.cfg.idle)
		if err != nil {
			return err
		}
		if err := h.awaitAsleep(ctx, s, before, h.cfg.idle); err != nil {
			closeAll(conns)
			return err
		}
		if err := h.profile(ctx, s, "profile", "stop-idle", round); err != nil {
			return err
		}
		rep, err := s.stop(ctx)
		closeAll(conns)
		if err != nil {
			return err
		}
		return h.addStop(rep, sys, round, figStopIdle, figDrainIdle, h.cfg.idle, "idle")
	})
}

// stopBusy stops the server while every client has a request in flight or
// about to be.
func (h *harness) stopBusy(ctx context.Context, sys system, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		loadCtx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
		warm := make(chan struct{})
		loaded := make(chan struct{})
		var loadErr error
		go func() {
			defer close(loaded)
			_, loadErr = runLoad(loadCtx, load{
				addr: s.addr, cmd: "SET", conns: h.cfg.busy, pipeline: 1,
				keyspace: h.cfg.keyspace, valueLen: h.cfg.valueLen, warm: warm,
			})
		}()
		// The clients stop after the server, and before it is killed on an
		// early return.
		defer func() {
			cancel()
			<-loaded
		}()
		select {
		case <-warm:
		case <-loaded:
			return fmt.Errorf("busy clients ended before they were all busy: %v", loadErr)
		case <-loadCtx.Done():
			return errors.New("busy clients did not all get a reply in time")
		}
		if err := h.profile(ctx, s, "profile", "stop-busy", round); err != nil {
			return err
		}
		rep, err := s.stop(ctx)
		if err != nil {
			return err
		}
		return h.addStop(rep, sys, round, figStopBusy, figDrainBusy, h.cfg.busy, "busy")
	})
}

func (h *harness) addStop(rep map[string]string, sys system, round int, stopFig, drainFig figure, n int, kind string) error {
	serveNs, err := num(rep, "serve_ns")
	if err != nil {
		return err
	}
	drainNs, err := num(rep, "drain_ns")
	if err != nil {
		return err
	}
	stopFig.name = fmt.Sprintf("graceful stop, %s %s connections", thousands(n), kind)
	drainFig.name = fmt.Sprintf("drain completion, %s %s connections", thousands(n), kind)
	h.add(stopFig, sys, round, serveNs/1e6)
	if drainNs >= 0 {
		h.add(drainFig, sys, round, drainNs/1e3)
	}
	return nil
}

// restart breaks seam's listening socket while idle connections are open,
// measures how long until a new connection is served, and checks that the
// open connections were left alone.
func (h *harness) restart(ctx context.Context, sys system, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		conns, err := openIdle(ctx, s.addr, h.cfg.restartIdle)
		if err != nil {
			return err
		}
		defer closeAll(conns)
		rep, err := s.call(ctx, "fault")
		if err != nil {
			return err
		}
		ns, err := num(rep, "ns")
		if err != nil {
			return err
		}
		for i, c := range conns {
			if err := ctl.Ping(ctx, c); err != nil {
				return fmt.Errorf("idle connection %d did not survive the acceptor's restart: %w", i, err)
			}
		}
		h.add(figRestart, sys, round, ns/1e6)
		closeAll(conns)
		_, err = s.stop(ctx)
		return err
	})
}

// profile asks a Go server for a profile (cmd is profile, for CPU until
// the stop, or heapprofile) into the -pprof directory, if one was given.
func (h *harness) profile(ctx context.Context, s *process, cmd, what string, round int) error {
	if h.cfg.pprof == "" || (s.sys != sysSeam && s.sys != sysBare) {
		return nil
	}
	path := filepath.Join(h.cfg.pprof, fmt.Sprintf("%s-%s-r%d.pprof", what, s.sys, round+1))
	_, err := s.call(ctx, cmd+" "+path)
	return err
}

// profileLoad profiles a load workload until the server stops. Only when
// -seam seamkv serves seam can both sides be profiled; profiling one side
// alone would tilt the ratio.
func (h *harness) profileLoad(ctx context.Context, s *process, what string, round int) error {
	if h.cfg.seamBin != "seamkv" {
		return nil
	}
	return h.profile(ctx, s, "profile", what, round)
}

func (h *harness) add(f figure, sys system, round int, v float64) {
	h.res.add(f, sys, round, v)
	fmt.Fprintf(h.log, "  %-8s %-55s %12s %s\n", sys, f.name, formatNum(v), f.unit)
}

// thousands writes n as 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
