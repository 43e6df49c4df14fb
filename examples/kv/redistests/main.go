// Command redistests runs Redis's own test suite against kv and against
// redis-server, unit by unit, and prints how many tests each passes side by
// side.
//
// The suite is not part of this repository: give the path of a checkout of
// github.com/redis/redis at the tag matching the redis-server it is compared
// with (7.0.15 for Debian's redis-server 7).
//
//	git clone --depth 1 --branch 7.0.15 https://github.com/redis/redis /tmp/redis-7.0.15
//	go run ./examples/kv/redistests -redis-src /tmp/redis-7.0.15
//
// For each unit it builds nothing but kv, starts a fresh kv and a fresh
// redis-server on ports the kernel picked, and runs
//
//	tclsh tests/test_helper.tcl --host 127.0.0.1 --port P --single unit/X \
//	    --tags "-needs:debug -needs:repl ..." --clients 1 --timeout T
//
// against each. The excluded tags are those of tests an external server
// cannot take part in (they need DEBUG, a replica, SAVE, ...); both servers
// skip the same tests. The suite selects database 9 unless -singledb is
// given, as a real client of the suite would.
//
// Flags:
//
//	-redis-src     the checkout of redis/redis (required)
//	-units         comma-separated units (default: the ones kv is judged by)
//	-kv            a built kv binary; empty: build ./examples/kv into a temporary directory
//	-redis-server  the redis-server to compare with (default: redis-server on PATH)
//	-exclude-tags  the tags to skip, space-separated
//	-singledb      pass --singledb to the suite (no SELECT)
//	-timeout       how long one unit may run against one server (default 10m)
//	-v             list the tests kv fails, per unit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// defaultUnits are the units kv is judged by.
var defaultUnits = []string{
	"type/string", "type/incr", "type/list", "type/hash", "type/set", "type/zset",
	"expire", "keyspace", "multi", "pubsub", "protocol", "scan", "info-command",
}

// defaultExcluded are the tags of tests an external server cannot run:
// they need DEBUG, a replica, SAVE, maxmemory, a local process and the
// like. external:skip is skipped by the suite itself in external mode.
const defaultExcluded = "needs:debug needs:repl needs:save needs:config-maxmemory needs:pfdebug " +
	"needs:config-resetstat needs:latency needs:local-process needs:reset"

type config struct {
	src, units, kvBin, redisBin, excluded string
	singledb, verbose                     bool
	timeout                               time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.src, "redis-src", "", "a checkout of github.com/redis/redis at the tag of the redis-server compared with")
	flag.StringVar(&cfg.units, "units", strings.Join(defaultUnits, ","), "comma-separated units of the suite")
	flag.StringVar(&cfg.kvBin, "kv", "", "a built kv binary; empty: build ./examples/kv")
	flag.StringVar(&cfg.redisBin, "redis-server", "redis-server", "the redis-server to compare with")
	flag.StringVar(&cfg.excluded, "exclude-tags", defaultExcluded, "tags whose tests both servers skip, space-separated")
	flag.BoolVar(&cfg.singledb, "singledb", false, "pass --singledb to the suite: database 0 only, no SELECT")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "how long one unit may run against one server")
	flag.BoolVar(&cfg.verbose, "v", false, "list the tests kv fails, per unit")
	flag.Parse()
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "redistests:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.src == "" {
		return errors.New("-redis-src is required: the path of a checkout of github.com/redis/redis")
	}
	if _, err := os.Stat(filepath.Join(cfg.src, "tests", "test_helper.tcl")); err != nil {
		return fmt.Errorf("-redis-src: %w", err)
	}
	for _, tool := range []string{"tclsh", cfg.redisBin} {
		if _, err := exec.LookPath(tool); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "redistests")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfg.kvBin == "" {
		cfg.kvBin = filepath.Join(tmp, "kv")
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.kvBin, "github.com/seamgo/seam/examples/kv")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building kv: %w", err)
		}
	}
	fmt.Fprintf(out, "suite: %s; flags: --tags %q%s --clients 1\n\n", cfg.src, negate(cfg.excluded), map[bool]string{true: " --singledb"}[cfg.singledb])
	fmt.Fprintln(out, "| unit | kv ok | kv err | kv exception | redis ok | redis err | redis exception | kv ok / redis ok |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|")
	var failures []string
	for _, unit := range strings.Split(cfg.units, ",") {
		unit = strings.TrimSpace(unit)
		kv, err := runUnit(ctx, cfg, tmp, kvServer(cfg.kvBin), unit)
		if err != nil {
			return fmt.Errorf("%s against kv: %w", unit, err)
		}
		rs, err := runUnit(ctx, cfg, tmp, redisServer(cfg.redisBin), unit)
		if err != nil {
			return fmt.Errorf("%s against redis-server: %w", unit, err)
		}
		fmt.Fprintf(out, "| %s | %d | %d | %d | %d | %d | %d | %s |\n",
			unit, kv.OK, kv.Err, kv.Exception, rs.OK, rs.Err, rs.Exception, ratio(kv.OK, rs.OK))
		for _, f := range kv.Failures {
			failures = append(failures, unit+": "+f)
		}
	}
	if cfg.verbose && len(failures) > 0 {
		fmt.Fprintln(out, "\nkv fails:")
		for _, f := range failures {
			fmt.Fprintln(out, "  "+f)
		}
	}
	return nil
}

// negate turns "a b" into "-a -b", the suite's way to deny tags.
func negate(tags string) string {
	fs := strings.Fields(tags)
	for i, t := range fs {
		fs[i] = "-" + t
	}
	return strings.Join(fs, " ")
}

func ratio(kv, redis int) string {
	if redis == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(kv)/float64(redis))
}

// runUnit starts a fresh server, runs one unit of the suite against it and
// stops it. The server's own output goes to a file in dir, for a reader
// who wants to know why a unit failed.
func runUnit(ctx context.Context, cfg config, dir string, srv server, unit string) (result, error) {
	sdir, err := os.MkdirTemp(dir, srv.name)
	if err != nil {
		return result{}, err
	}
	port, stop, err := srv.start(ctx, sdir)
	if err != nil {
		return result{}, err
	}
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	args := []string{"tests/test_helper.tcl", "--host", "127.0.0.1", "--port", port,
		"--single", "unit/" + unit, "--tags", negate(cfg.excluded), "--clients", "1",
		"--timeout", fmt.Sprint(int(cfg.timeout.Seconds())),
		// The suite's own test server binds the 32 ports under baseport,
		// 21111 by default: two runs on one machine at once would fight
		// for them, so each unit draws its own.
		"--baseport", fmt.Sprint(20000 + 100*rand.IntN(120))}
	if cfg.singledb {
		args = append(args, "--singledb")
	}
	cmd := exec.CommandContext(ctx, "tclsh", args...)
	cmd.Dir = cfg.src
	cmd.WaitDelay = 5 * time.Second // the suite's client processes may hold the pipe
	outPath := filepath.Join(sdir, "suite.out")
	f, err := os.Create(outPath)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	// The suite exits non-zero when a test fails or raises: that is a
	// result, not an error of the harness; only a failure to start is.
	if err := cmd.Run(); err != nil && !errors.As(err, new(*exec.ExitError)) && !errors.Is(err, exec.ErrWaitDelay) {
		return result{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return result{}, err
	}
	res, err := parse(f)
	if err != nil {
		return result{}, err
	}
	if res.OK+res.Err+res.Exception == 0 && ctx.Err() == nil {
		// Not a result: the suite did not start (a port taken, tclsh
		// missing a package); its output says why.
		out, _ := os.ReadFile(outPath)
		return result{}, fmt.Errorf("unit %s against %s ran no test:\n%s", unit, srv.name, out[max(0, len(out)-1000):])
	}
	if ctx.Err() != nil {
		res.Exception++
		res.Failures = append(res.Failures, "exception: the unit did not finish within -timeout")
	}
	return res, nil
}
