// Command rolling is the rolling-restart proof of examples/kv, kept
// runnable: two kv instances behind haproxy are restarted one at a time,
// three times over, under two kinds of client, and it exits 1 if any
// client saw an error.
//
//	go run ./examples/kv/rolling            # needs haproxy and redis-tools (Debian)
//
// The setup, all on loopback with ports the kernel picks:
//
//   - two kv instances (built with go build), each with its admin port,
//     -lameduck 2s and its own append-only file;
//   - haproxy in TCP mode in front, checking GET /readyz on each admin
//     port every 100ms (fall 1, rise 2);
//   - redis-benchmark -k 0 (a new connection per request: SET, GET, INCR)
//     through haproxy for the whole test, run after run;
//   - a keep-alive client: long-lived connections that pipeline INCRs of
//     counters of their own and, when the server closes one, resend every
//     unanswered command on a new connection.
//
// Each restart: SIGTERM (kv's /readyz turns 503, haproxy takes it out,
// kv keeps serving for the lame duck, then drains and exits 0), start it
// again on the same ports and file, wait for /readyz 200 and for haproxy
// to put it back, then the other one.
//
// At the end it prints what was sent and every error seen, and checks
// that each counter, read on both instances directly, sums to the number
// of INCR replies received: a command executed whose reply was lost would
// make it larger.
//
// Flags:
//
//	-rounds     restarts of each instance (default 3)
//	-lameduck   kv's -lameduck (default 2s)
//	-fsync      kv's -fsync (default everysec)
//	-kv         a kv binary to run instead of building one
//	-dir        where to put the binary, the files and the logs (default: a temporary directory, removed at the end)
//	-proxy-v2   haproxy sends PROXY protocol v2 (send-proxy-v2) and kv is started with -proxy-protocol 127.0.0.1/32;
//	            needs a kv that has that flag
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// config is what the flags set, and what the test shortens.
type config struct {
	rounds   int
	lameDuck time.Duration
	// endAtDown sends a second SIGTERM once haproxy has taken the
	// instance out, which ends kv's lame duck at once: the lame duck then
	// lasts exactly as long as the balancer needs, whatever the machine's
	// load, as an orchestrator that watches the balancer would do.
	endAtDown bool
	fsync     string
	kvBin     string
	dir       string
	proxyV2   bool

	benchRequests int // redis-benchmark -n, per test and run
	benchClients  int // redis-benchmark -c
	conns         int // keep-alive connections
	depth         int // keep-alive pipeline depth

	out     io.Writer
	started func(*os.Process) // told of every process started, for a test's cleanup
}

func main() {
	cfg := config{out: os.Stdout}
	flag.IntVar(&cfg.rounds, "rounds", 3, "restarts of each instance")
	flag.DurationVar(&cfg.lameDuck, "lameduck", 2*time.Second, "kv's -lameduck")
	flag.BoolVar(&cfg.endAtDown, "end-lameduck-at-down", false,
		"send a second SIGTERM once haproxy has taken the instance out, ending the lame duck then (use with a long -lameduck)")
	flag.StringVar(&cfg.fsync, "fsync", "everysec", "kv's -fsync: always, everysec or no")
	flag.StringVar(&cfg.kvBin, "kv", "", "a kv binary to run instead of building one")
	flag.StringVar(&cfg.dir, "dir", "", "where to put the binary, the files and the logs; empty: a temporary directory, removed at the end")
	flag.BoolVar(&cfg.proxyV2, "proxy-v2", false, "haproxy sends PROXY v2 (send-proxy-v2), kv gets -proxy-protocol 127.0.0.1/32 (needs a kv with that flag)")
	flag.IntVar(&cfg.benchRequests, "n", 2000, "redis-benchmark -n: requests per test (SET, GET, INCR) and run")
	flag.IntVar(&cfg.benchClients, "c", 10, "redis-benchmark -c")
	flag.IntVar(&cfg.conns, "conns", 8, "keep-alive connections")
	flag.IntVar(&cfg.depth, "depth", 16, "keep-alive pipeline depth")
	flag.Parse()

	rep, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rolling:", err)
		os.Exit(2)
	}
	if rep.errors() > 0 {
		os.Exit(1)
	}
}

// report is what a run saw.
type report struct {
	restarts []restart

	benchRuns     int
	benchRequests int64
	benchErrors   []string

	kaSent, kaReplies, kaResent, kaReconnects, kaResets int64
	kaErrors                                            []string
	kaCounters                                          int
	mismatches                                          []string // counters whose sum is not the replies received
}

// restart is the timeline of one instance's restart, from its SIGTERM.
type restart struct {
	name                string
	down, exited, ready time.Duration // haproxy's DOWN, kv's exit, /readyz 200
	up                  time.Duration // haproxy's UP
}

func (r *report) errors() int {
	return len(r.benchErrors) + len(r.kaErrors) + len(r.mismatches)
}

// run sets everything up, restarts each instance cfg.rounds times under
// load, and reports. An error means the proof could not be run (a process
// did not start or stop as it should); errors the clients saw are in the
// report. Every process it starts is stopped before it returns.
func run(ctx context.Context, cfg config) (*report, error) {
	dir := cfg.dir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	} else {
		d, err := os.MkdirTemp("", "kv-rolling-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin := cfg.kvBin
	if bin == "" {
		bin = filepath.Join(dir, "kv")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/seamgo/seam/examples/kv")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build kv: %v\n%s", err, out)
		}
	}
	args := []string{"-lameduck", cfg.lameDuck.String(), "-fsync", cfg.fsync}
	if cfg.proxyV2 {
		args = append(args, "-proxy-protocol", "127.0.0.1/32")
	}
	kvs := []*instance{
		{name: "a", bin: bin, dir: dir, args: args},
		{name: "b", bin: bin, dir: dir, args: args},
	}
	var procs []*proc
	defer func() {
		// Whatever happened, nothing outlives the run.
		for _, p := range procs {
			p.kill()
		}
		for _, in := range kvs {
			if in.p != nil {
				in.p.kill()
			}
		}
	}()
	for _, in := range kvs {
		if err := in.start(ctx, cfg.started); err != nil {
			return nil, err
		}
	}
	hap, front, err := startHAProxy(dir, kvs, cfg.proxyV2, cfg.started)
	if err != nil {
		return nil, err
	}
	procs = append(procs, hap)
	if err := ping(front); err != nil {
		return nil, fmt.Errorf("PING through haproxy: %v; its log:\n%s", err, hap.tail(20))
	}
	fmt.Fprintf(cfg.out, "kv a on %s (admin %s), kv b on %s (admin %s), haproxy on %s, lame duck %v, fsync %s, logs in %s\n",
		kvs[0].addr, kvs[0].admin, kvs[1].addr, kvs[1].admin, front, cfg.lameDuck, cfg.fsync, dir)

	load, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	bench := &benchLoop{addr: front, n: cfg.benchRequests, clients: cfg.benchClients, started: cfg.started}
	ka := &keepAlive{addr: front, prefix: "rolling", conns: cfg.conns, counters: 4, depth: cfg.depth, firstReply: make(chan struct{})}
	benchDone, kaDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(benchDone); bench.run(load) }()
	go func() { defer close(kaDone); ka.run(load) }()
	clientsDone := func() { stopLoad(); <-benchDone; <-kaDone }
	defer clientsDone()
	select {
	case <-ka.firstReply:
	case <-kaDone:
		return nil, fmt.Errorf("keep-alive client stopped before its first reply: %v", ka.errs)
	}

	rep := &report{}
	for round := 1; round <= cfg.rounds; round++ {
		for _, in := range kvs {
			r, err := restartOne(ctx, in, hap, cfg.endAtDown, cfg.started)
			if err != nil {
				return nil, fmt.Errorf("round %d: %w", round, err)
			}
			fmt.Fprintf(cfg.out, "round %d kv %s: SIGTERM, haproxy DOWN after %v, exited after %v, ready after %v, haproxy UP after %v\n",
				round, in.name, r.down.Round(time.Millisecond), r.exited.Round(time.Millisecond),
				r.ready.Round(time.Millisecond), r.up.Round(time.Millisecond))
			rep.restarts = append(rep.restarts, r)
		}
	}
	clientsDone()

	rep.benchRuns, rep.benchRequests, rep.benchErrors = bench.runs, bench.requests, bench.errors
	rep.kaSent, rep.kaReplies = ka.sent.Load(), ka.replies.Load()
	rep.kaResent, rep.kaReconnects, rep.kaResets = ka.resent.Load(), ka.reconnects.Load(), ka.resets.Load()
	rep.kaErrors, rep.kaCounters = ka.errs, len(ka.answered)
	if rep.mismatches, err = checkCounters(kvs, ka.answered, cfg.proxyV2); err != nil {
		return nil, err
	}

	if err := hap.terminate(ctx); err != nil && !isSignalled(err) {
		return nil, err
	}
	for _, in := range kvs {
		if cfg.endAtDown {
			// No balancer to wait for any more: the first SIGTERM
			// starts the lame duck, the second, once kv says so, ends
			// it (two sent at once may arrive as one signal).
			mark := in.p.mark()
			if err := in.p.signal(syscall.SIGTERM); err != nil {
				return nil, err
			}
			if _, err := in.p.waitLine(ctx, mark, "lame duck"); err != nil {
				return nil, err
			}
		}
		if err := in.p.terminate(ctx); err != nil {
			return nil, err
		}
	}
	rep.print(cfg.out)
	return rep, nil
}

// restartOne stops in with SIGTERM, waits for haproxy to take it out and
// for it to exit 0, starts it again and waits for /readyz 200 and for
// haproxy to put it back. With endAtDown, haproxy's DOWN is what ends the
// lame duck, by a second SIGTERM.
func restartOne(ctx context.Context, in *instance, hap *proc, endAtDown bool, started func(*os.Process)) (restart, error) {
	r := restart{name: in.name}
	mark := hap.mark()
	t0 := time.Now()
	downc := make(chan error, 1)
	go func() {
		_, err := hap.waitLine(ctx, mark, "Server kv/"+in.name+" is DOWN")
		r.down = time.Since(t0)
		downc <- err
	}()
	if err := in.p.signal(syscall.SIGTERM); err != nil {
		return r, err
	}
	if endAtDown {
		if err := <-downc; err != nil {
			return r, err
		}
		downc <- nil
		if err := in.p.signal(syscall.SIGTERM); err != nil {
			return r, err
		}
	}
	if err := in.p.waitExit(ctx); err != nil {
		return r, err
	}
	r.exited = time.Since(t0)
	if err := <-downc; err != nil {
		return r, err
	}
	mark = hap.mark()
	if err := in.start(ctx, started); err != nil {
		return r, err
	}
	r.ready = time.Since(t0)
	if _, err := hap.waitLine(ctx, mark, "Server kv/"+in.name+" is UP"); err != nil {
		return r, err
	}
	r.up = time.Since(t0)
	return r, nil
}

// isSignalled reports the exit of a process that a signal ended, as
// haproxy's SIGTERM (a hard stop) does.
func isSignalled(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && strings.Contains(ee.Error(), "signal")
}

// proxyLocal is a PROXY protocol v2 header with the LOCAL command: a
// connection that the proxy makes on its own behalf, as a health check
// does. The checks below send it when kv expects PROXY headers.
var proxyLocal = []byte("\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00")

// ping sends PING through haproxy and expects PONG: haproxy is up and
// forwarding.
func ping(addr string) error {
	c, err := respclient.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.Do("PING")
	if err == nil && v.Str != "PONG" {
		err = fmt.Errorf("reply %v", v)
	}
	return err
}

// checkCounters reads every counter on each instance directly and
// compares the sum with the replies the keep-alive client received.
func checkCounters(kvs []*instance, answered map[string]int64, proxyV2 bool) ([]string, error) {
	sums := make(map[string]int64, len(answered))
	for _, in := range kvs {
		c, err := respclient.Dial(in.addr)
		if err != nil {
			return nil, err
		}
		if proxyV2 {
			c.SendRaw(proxyLocal)
		}
		for key := range answered {
			v, err := c.Do("GET", key)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("GET %s on kv %s: %w", key, in.name, err)
			}
			if v.Null {
				continue
			}
			var n int64
			if _, err := fmt.Sscan(v.Str, &n); err != nil {
				c.Close()
				return nil, fmt.Errorf("GET %s on kv %s: %v", key, in.name, v)
			}
			sums[key] += n
		}
		c.Close()
	}
	var bad []string
	for key, want := range answered {
		if sums[key] != want {
			bad = append(bad, fmt.Sprintf("%s: %d on the servers, %d replies received", key, sums[key], want))
		}
	}
	return bad, nil
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "redis-benchmark -k 0: %d runs, %d requests answered (SET, GET, INCR), %d errors\n",
		r.benchRuns, r.benchRequests, len(r.benchErrors))
	for _, e := range r.benchErrors {
		fmt.Fprintln(w, "  error:", e)
	}
	fmt.Fprintf(w, "keep-alive client: %d INCRs sent (%d of them resent), %d replies, %d reconnects (%d after a reset), %d errors\n",
		r.kaSent, r.kaResent, r.kaReplies, r.kaReconnects, r.kaResets, len(r.kaErrors))
	for _, e := range r.kaErrors {
		fmt.Fprintln(w, "  error:", e)
	}
	fmt.Fprintf(w, "counters: %d, each summed over both instances; %d differ from the replies received\n",
		r.kaCounters, len(r.mismatches))
	for _, m := range r.mismatches {
		fmt.Fprintln(w, "  lost reply:", m)
	}
	fmt.Fprintf(w, "errors: %d\n", r.errors())
}
