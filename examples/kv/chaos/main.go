// Command chaos runs kv through the faults and abuse a server meets in
// production, each case bounded in time, and prints one table row per
// case with kv's figure beside redis-server's (when redis-server is on
// PATH) and a verdict on kv's:
//
//	go run ./examples/kv/chaos              # builds kv, runs every case: a few minutes
//	go run ./examples/kv/chaos -run 'AOF'   # the cases whose name matches
//	go run ./examples/kv/chaos -short       # the CI subset, smaller
//
// Some cases need what a container may lack: the full-disk case mounts a
// 2 MB tmpfs (root), the open-file case runs the server under prlimit, the
// SIGTERM case drives it with redis-benchmark. A case that cannot run says
// why in its row instead.
//
// The memory cases (one 100 MB SET, 4 × 256 MB, 3 × 200 MB in one MSET)
// need about 3 GB free, for kv and redis-server one after the other.
//
// The flood case runs its flood in processes of its own, as an attacker's
// would be: it starts this binary again, four times, with
// KV_CHAOS_FLOOD_WORKER in their environment (flood.go says why).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	if floodWorker() {
		return
	}
	kvBin := flag.String("kv", "", "kv binary to test; empty: build ./examples/kv")
	redis := flag.String("redis", "redis-server", "redis-server binary to compare with; empty: none")
	runRE := flag.String("run", "", "run only the cases whose name matches this regular expression")
	short := flag.Bool("short", false, "only the CI subset, with smaller sizes")
	flag.Parse()
	re, err := regexp.Compile(*runRE)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos: -run:", err)
		os.Exit(2)
	}
	work, err := os.MkdirTemp("", "kv-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(work)
	if *kvBin == "" {
		if *kvBin, err = buildKV(work); err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(1)
		}
	}
	targets := []target{{name: "kv", bin: *kvBin}}
	if *redis != "" {
		if p, err := exec.LookPath(*redis); err == nil {
			targets = append(targets, target{name: "redis-server", bin: p})
		} else {
			fmt.Fprintf(os.Stderr, "chaos: %s not found; kv alone\n", *redis)
		}
	}
	var selected []chaosCase
	for _, c := range cases {
		if re.MatchString(c.name) && (!*short || c.short) {
			selected = append(selected, c)
		}
	}
	failed := run(os.Stdout, env{work: work, short: *short}, selected, targets)
	if failed > 0 {
		os.Exit(1)
	}
}

// buildKV builds ./examples/kv into dir, from the module's root above the
// working directory, and returns the binary's path.
func buildKV(dir string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/seamgo/seam").Output()
	if err != nil {
		return "", fmt.Errorf("not inside the seam module: %w", err)
	}
	bin := filepath.Join(dir, "kv")
	cmd := exec.Command("go", "build", "-o", bin, "./examples/kv")
	cmd.Dir = strings.TrimSpace(string(out))
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./examples/kv: %w\n%s", err, b)
	}
	return bin, nil
}

// run runs each case against each target, one at a time so that figures
// of memory and time are not disturbed, writes the table to w as it goes,
// and returns how many cases kv failed.
func run(w io.Writer, e env, cs []chaosCase, targets []target) int {
	fmt.Fprintln(w, "| case | kv | redis-server | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|")
	failed := 0
	for i, c := range cs {
		figs := []string{"", "not run"}
		verdict := ""
		for j, t := range targets {
			r := runCase(e, c, t, fmt.Sprintf("%02d-%s", i, t.name))
			switch {
			case r.skip != "":
				figs[j] = "skipped: " + r.skip
				if j == 0 {
					verdict = "skipped"
				}
			default:
				figs[j] = r.fig
				if j == 0 {
					verdict = "ok"
					if !r.ok {
						verdict, failed = "FAIL", failed+1
					}
				}
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c.name, cell(figs[0]), cell(figs[1]), verdict)
	}
	return failed
}

// runCase runs one case in a directory of its own, within two minutes.
func runCase(e env, c chaosCase, t target, name string) result {
	dir := filepath.Join(e.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return c.run(ctx, e, t, dir)
}

// cell makes a figure fit in a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
