// Command bench measures seam side by side with the same server written
// without it, and with two peers, on this machine, in one run.
//
//	go run ./bench            # the full run: 5 rounds, 10,000 idle connections
//	go run ./bench -quick     # under a minute
//
// It builds, into a temporary directory, (1) the kv example on seam, (2) the
// same store and RESP code on a bare net accept loop, one goroutine per
// connection (bench/cmd/barekv: the baseline), (3) the same store served by
// github.com/tidwall/redcon (bench/redconkv, a module of its own so that
// redcon stays out of seam's go.mod), and uses (4) redis-server when it is
// installed; for the memory and scale workloads also (5) the Go floor, a
// bare accept loop whose goroutines hold nothing but a read buffer
// (bench/cmd/floor), and (6) the same loop served by seam
// (bench/cmd/seamfloor). Each workload runs every system in turn, A B C D A B C D, for
// -rounds rounds, and the report gives the median of each figure and the
// median over rounds of seam's ratio to each other system. Load comes from
// redis-benchmark when it is installed, else from a Go generator.
//
// The report, a markdown table with the machine and the date, goes to
// stdout (and -out); progress goes to stderr. See bench/README.md for what
// each workload means.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the run's flags.
type config struct {
	quick             bool
	rounds            int
	workloads         []string
	systems           []system
	loadgen           string
	conns             int
	pipelines         []int
	requests          int
	pipelinedRequests int
	churnRequests     int
	keyspace          int
	aofRecords        int // commands of the aofrestart workload
	valueLen          int
	idle              int
	busy              int
	restartIdle       int
	subscribers       int
	messages          int
	pipelinedMessages int
	fanoutPipelines   []int
	idleSubscribers   int
	idleWait          time.Duration
	wakeConns         int
	scaleCounts       []int // scaleMax stands for the largest the open-file limit allows until run resolves it
	outdir            string
	plot              string
	timeout           time.Duration
	out               string
	micro             bool
	keep              bool
	pprof             string
	seamBin           string
	before            string // a commit to build the kv example from, as system "before"
	pin               bool
}

// maxConns is the connection cap a server is given: every idle and busy
// connection with room to spare.
func (c config) maxConns() int { return c.mostIdle() + c.busy + 1000 }

// fileNeed is the open-file limit the run needs: the harness holds the
// client end of every connection of one test at a time (the idle ones, the
// busy ones, or the scale workload's), each server the other end, and
// both a few descriptors of their own.
func (c config) fileNeed() int { return max(c.mostIdle(), c.busy) + fileMargin }

// mostIdle is the most connections any one workload keeps open at once.
func (c config) mostIdle() int {
	n := max(c.idle, c.idleSubscribers)
	if slices.Contains(c.workloads, "scale") {
		n = max(n, slices.Max(c.scaleCounts))
	}
	return n
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var workloadList, systemList, pipelineList, fanoutPipelineList, scaleList string
	fs.BoolVar(&c.quick, "quick", false, "a short run (2 rounds, small sizes), under a minute; explicit size flags still apply")
	fs.IntVar(&c.rounds, "rounds", 5, "rounds of every workload; each round runs every system once")
	fs.StringVar(&workloadList, "workloads", "throughput,churn,memory,stop,restart,fanout,scale,tls,wake", "workloads to run, comma-separated")
	fs.StringVar(&systemList, "systems", "seam,seamnohib,bare,redcon,redis,floor,netfloor,seamfloor", "systems to compare, comma-separated (seam and bare are always run; the floors only in the memory and scale workloads)")
	fs.StringVar(&c.loadgen, "loadgen", "auto", "load generator: auto (redis-benchmark if on PATH), redis-benchmark, or go")
	fs.IntVar(&c.conns, "conns", 50, "client connections for throughput and churn")
	fs.StringVar(&pipelineList, "pipelines", "1,32", "pipeline depths for throughput, comma-separated")
	fs.IntVar(&c.requests, "requests", 200_000, "requests per throughput test without pipelining")
	fs.IntVar(&c.pipelinedRequests, "pipelined-requests", 2_000_000, "requests per pipelined throughput test")
	fs.IntVar(&c.churnRequests, "churn-requests", 20_000, "requests (and connections) per churn test")
	fs.IntVar(&c.keyspace, "keyspace", 100_000, "distinct keys, as redis-benchmark -r")
	fs.IntVar(&c.aofRecords, "aof-records", 300_000, "commands written to each server's append-only file in the aofrestart workload")
	fs.IntVar(&c.valueLen, "value", 3, "bytes per SET value, as redis-benchmark -d")
	fs.IntVar(&c.idle, "idle", 10_000, "idle connections for the memory and graceful stop workloads")
	fs.IntVar(&c.busy, "busy", 1_000, "busy connections for the graceful stop workload")
	fs.IntVar(&c.restartIdle, "restart-idle", 100, "idle connections kept open across the acceptor fault")
	fs.IntVar(&c.subscribers, "subscribers", 100, "subscribers of the channel in the pub/sub fan-out workload")
	fs.IntVar(&c.messages, "messages", 10_000, "PUBLISHes per fan-out test without pipelining; each subscriber receives every one")
	fs.IntVar(&c.pipelinedMessages, "pipelined-messages", 100_000, "PUBLISHes per pipelined fan-out test")
	fs.StringVar(&fanoutPipelineList, "fanout-pipelines", "1,32", "PUBLISHes the publisher keeps in flight, comma-separated")
	fs.IntVar(&c.idleSubscribers, "idle-subscribers", 1_000, "idle subscribed connections for the fan-out workload's memory figure")
	fs.IntVar(&c.wakeConns, "wake-conns", 200, "connections of the wake workload, each timed on its first PING after hibernating")
	fs.DurationVar(&c.idleWait, "idle-wait", 3*time.Second, "how long the memory workload leaves its connections idle after their PING before measuring (redis-server frees a client's query buffer after 2s idle)")
	fs.StringVar(&scaleList, "scale-counts", "1000,5000,max", "connection counts of the scale workload, comma-separated; max is the most the open-file limit allows")
	fs.StringVar(&c.outdir, "outdir", "bench-results", "directory for the scale workload's scale.csv")
	fs.StringVar(&c.plot, "plot", "", "draw the scale workload's figures into this PNG (runs the bench/plot module with go run)")
	fs.DurationVar(&c.timeout, "timeout", 3*time.Minute, "longest one load run may take")
	fs.StringVar(&c.out, "out", "", "also write the report to this file")
	fs.BoolVar(&c.micro, "micro", false, "also run the Go microbenchmarks (go test -bench) and add them to the report")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory of binaries and server logs")
	fs.StringVar(&c.seamBin, "seam", "example", "what serves seam in the throughput and churn workloads: example (the kv example with -aof '') or seamkv (bench/cmd/seamkv, which -pprof can profile)")
	fs.StringVar(&c.before, "before", "", "also run the kv example built from this git commit (system \"before\") in the throughput, churn, aofrestart and tls workloads, to measure a change in one run")
	fs.BoolVar(&c.pin, "pin", false, "run the servers on the first half of the CPUs and redis-benchmark on the rest (needs taskset); steadier on a quiet machine, worse on a busy one")
	fs.StringVar(&c.pprof, "pprof", "", "write profiles of seam's and bare's servers here: CPU during each graceful stop, heap with the idle connections open")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.quick {
		quick := map[string]func(){
			"rounds":             func() { c.rounds = 2 },
			"requests":           func() { c.requests = 10_000 },
			"pipelined-requests": func() { c.pipelinedRequests = 100_000 },
			"churn-requests":     func() { c.churnRequests = 2_000 },
			"idle":               func() { c.idle = 2_000 },
			"busy":               func() { c.busy = 200 },
			"restart-idle":       func() { c.restartIdle = 20 },
			"messages":           func() { c.messages = 2_000 },
			"pipelined-messages": func() { c.pipelinedMessages = 20_000 },
			"scale-counts":       func() { scaleList = "500,2000" },
			"wake-conns":         func() { c.wakeConns = 50 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}

	for _, w := range splitList(workloadList) {
		if !slices.ContainsFunc(workloads, func(x workload) bool { return x.name == w }) {
			return c, fmt.Errorf("unknown workload %q", w)
		}
		c.workloads = append(c.workloads, w)
	}
	want := splitList(systemList)
	if c.before != "" && !slices.Contains(want, string(sysBefore)) {
		want = append(want, string(sysBefore))
	}
	for _, s := range allSystems {
		// seam and bare are what every ratio is about.
		if s == sysSeam || s == sysBare || slices.Contains(want, string(s)) {
			c.systems = append(c.systems, s)
		}
	}
	for _, w := range want {
		if !slices.Contains(allSystems, system(w)) {
			return c, fmt.Errorf("unknown system %q", w)
		}
	}
	if slices.Contains(c.systems, sysBefore) && c.before == "" {
		return c, errors.New("system before needs -before REV")
	}
	var err error
	if c.scaleCounts, err = parseCounts(scaleList); err != nil {
		return c, err
	}
	if c.pipelines, err = parseDepths(pipelineList); err != nil {
		return c, err
	}
	if c.fanoutPipelines, err = parseDepths(fanoutPipelineList); err != nil {
		return c, err
	}
	if c.seamBin != "example" && c.seamBin != "seamkv" {
		return c, fmt.Errorf("unknown -seam %q: want example or seamkv", c.seamBin)
	}
	switch c.loadgen {
	case "auto", "go", "redis-benchmark":
	default:
		return c, fmt.Errorf("unknown -loadgen %q", c.loadgen)
	}
	if c.idleWait < 0 {
		return c, errors.New("-idle-wait must not be negative")
	}
	for name, v := range map[string]int{
		"rounds": c.rounds, "conns": c.conns, "requests": c.requests, "pipelined-requests": c.pipelinedRequests,
		"churn-requests": c.churnRequests, "keyspace": c.keyspace, "aof-records": c.aofRecords, "value": c.valueLen, "idle": c.idle,
		"busy": c.busy, "restart-idle": c.restartIdle, "subscribers": c.subscribers, "messages": c.messages,
		"pipelined-messages": c.pipelinedMessages,
		"idle-subscribers":   c.idleSubscribers,
	} {
		if v < 1 {
			return c, fmt.Errorf("-%s must be at least 1", name)
		}
	}
	return c, nil
}

// parseCounts parses the scale workload's connection counts: numbers, or
// max for the most the open-file limit allows, resolved by run.
func parseCounts(list string) ([]int, error) {
	var out []int
	for _, p := range splitList(list) {
		if p == "max" {
			out = append(out, scaleMax)
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(p, "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad connection count %q", p)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("-scale-counts is empty")
	}
	return out, nil
}

// parseDepths parses a comma-separated list of pipeline depths.
func parseDepths(list string) ([]int, error) {
	var out []int
	for _, p := range splitList(list) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad pipeline depth %q", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// run builds the servers, runs the workloads and writes the report.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	root, err := findRoot()
	if err != nil {
		return err
	}
	if slices.Contains(cfg.workloads, "scale") {
		if cfg.scaleCounts, err = resolveScale(cfg.scaleCounts); err != nil {
			return err
		}
		if cfg.outdir, err = filepath.Abs(cfg.outdir); err != nil {
			return err
		}
		if err := os.MkdirAll(cfg.outdir, 0o755); err != nil {
			return err
		}
	}
	if cfg.plot != "" {
		if cfg.plot, err = filepath.Abs(cfg.plot); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(cfg.workloads, func(w string) bool {
		return w == "memory" || w == "stop" || w == "fanout" || w == "scale"
	}) {
		// The harness holds the client ends, each server the other.
		if err := raiseFileLimit(uint64(cfg.fileNeed())); err != nil {
			return err
		}
	}
	if cfg.pprof != "" {
		if cfg.pprof, err = filepath.Abs(cfg.pprof); err != nil {
			return err
		}
		if err := os.MkdirAll(cfg.pprof, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "seam-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintln(stderr, "binaries and server logs in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	var redisSv string
	if slices.Contains(cfg.systems, sysRedis) {
		if redisSv, err = exec.LookPath("redis-server"); err != nil {
			fmt.Fprintln(stderr, "redis-server not found on PATH; skipping it")
			cfg.systems = slices.DeleteFunc(cfg.systems, func(s system) bool { return s == sysRedis })
		}
	}
	h := &harness{cfg: cfg, tmp: tmp, res: newResults(cfg.rounds), log: stderr, pin: choosePinning(cfg.pin), redisSv: redisSv}
	switch cfg.loadgen {
	case "auto":
		h.redisBm, _ = exec.LookPath("redis-benchmark")
	case "redis-benchmark":
		if h.redisBm, err = exec.LookPath("redis-benchmark"); err != nil {
			return err
		}
	}

	// The kv example itself serves the load workloads; seamkv, its wiring
	// with a control channel, the ones that look inside the server.
	names := []string{binBareKV}
	loads := slices.Contains(cfg.workloads, "throughput") || slices.Contains(cfg.workloads, "churn")
	// The fan-out workload needs the kv example's pub/sub hub, whatever -seam says.
	aofRestart := slices.Contains(cfg.workloads, "aofrestart")
	if loads && (cfg.seamBin == "example" || slices.Contains(cfg.systems, sysSeamTimeout) || slices.Contains(cfg.systems, sysSeamNoHib)) || slices.Contains(cfg.workloads, "fanout") ||
		slices.Contains(cfg.workloads, "tls") || aofRestart {
		names = append(names, binKV)
	}
	if (loads || aofRestart || slices.Contains(cfg.workloads, "tls")) && cfg.before != "" {
		names = append(names, binKVBefore)
	}
	if cfg.seamBin == "seamkv" || slices.ContainsFunc(cfg.workloads, func(w string) bool {
		return w == "memory" || w == "stop" || w == "restart" || w == "scale" || w == "wake"
	}) {
		names = append(names, binSeamKV)
	}
	if slices.Contains(cfg.systems, sysRedcon) {
		names = append(names, binRedcon)
	}
	floors := slices.ContainsFunc(cfg.workloads, func(w string) bool { return w == "memory" || w == "scale" })
	if floors && (slices.Contains(cfg.systems, sysFloor) || slices.Contains(cfg.systems, sysNetFloor)) {
		names = append(names, binFloor)
	}
	if floors && slices.Contains(cfg.systems, sysSeamFloor) {
		names = append(names, binSeamFloor)
	}
	fmt.Fprintln(stderr, "building", strings.Join(names, ", "))
	if h.bins, err = build(ctx, root, tmp, names, cfg.before); err != nil {
		return err
	}
	m := describeMachine(ctx)

	for _, w := range workloads {
		if !slices.Contains(cfg.workloads, w.name) {
			continue
		}
		systems := cfg.systems
		if w.systems != nil {
			systems = slices.DeleteFunc(slices.Clone(systems), func(s system) bool { return !slices.Contains(w.systems, s) })
		}
		for r := range cfg.rounds {
			if w.runAll != nil {
				if err := ctx.Err(); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "%s, round %d/%d\n", w.name, r+1, cfg.rounds)
				if err := w.runAll(h, ctx, systems, r); err != nil {
					return fmt.Errorf("%s, round %d: %w", w.name, r+1, err)
				}
				continue
			}
			for _, sys := range systems {
				if err := ctx.Err(); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "%s, round %d/%d, %s\n", w.name, r+1, cfg.rounds, sys)
				if err := w.run(h, ctx, sys, r); err != nil {
					return fmt.Errorf("%s, round %d, %s: %w", w.name, r+1, sys, err)
				}
			}
		}
	}

	if slices.Contains(cfg.workloads, "scale") {
		if err := h.writeScale(ctx, root); err != nil {
			return err
		}
	}
	var micro string
	if cfg.micro {
		if micro, err = runMicro(ctx, root); err != nil {
			return err
		}
	}
	outs := []io.Writer{stdout}
	if cfg.out != "" {
		f, err := os.Create(cfg.out)
		if err != nil {
			return err
		}
		defer f.Close()
		outs = append(outs, f)
	}
	report(io.MultiWriter(outs...), h, m, micro)
	return nil
}

// report writes the results as markdown.
func report(w io.Writer, h *harness, m machine, micro string) {
	cfg := h.cfg
	m.write(w)
	gen := "the Go load generator in bench/loadgen.go"
	if h.redisBm != "" {
		gen = "redis-benchmark"
	}
	if slices.Contains(cfg.workloads, "fanout") {
		fan := "the fan-out's publisher and subscribers: bench/fanout.go, in the harness"
		if !slices.Contains(cfg.workloads, "throughput") && !slices.Contains(cfg.workloads, "churn") {
			gen = fan // redis-benchmark had nothing to do
		} else {
			gen += "; " + fan
		}
	}
	mode := "full run"
	if cfg.quick {
		mode = "quick run"
	}
	if cfg.seamBin == "seamkv" {
		gen += "; seam served by bench/cmd/seamkv, not the kv example"
	}
	if h.pin.server != "" {
		gen += fmt.Sprintf("; servers pinned to CPU %s", h.pin.server)
		if h.redisBm != "" {
			gen += fmt.Sprintf(", redis-benchmark to CPU %s", h.pin.load)
		}
	}
	fmt.Fprintf(w, "Load: %s. A %s: %d rounds, systems alternating in each; each cell is the median over rounds, each ratio the median of the per-round ratios.\n\n",
		gen, mode, cfg.rounds)
	writeTable(w, h.res, cfg.systems)
	fmt.Fprintln(w)
	writeTargets(w, h.res)
	if rows := h.scaleRows(); len(rows) > 0 {
		fmt.Fprint(w, "\nScale: each row the medians over rounds.\n\n")
		writeScaleTable(w, rows)
	}
	if micro != "" {
		fmt.Fprintf(w, "\nMicrobenchmarks:\n\n```\n%s```\n", micro)
	}
}

// runMicro runs the accept → handler → close benchmarks and the RESP
// codec's own benchmarks (in examples/kv/resp, not repeated here).
func runMicro(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1",
		"./bench", "./examples/kv/resp")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("microbenchmarks: %w\n%s", err, out)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") || strings.HasPrefix(line, "cpu:") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n") + "\n", nil
}
