package main

import (
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// TestSmokeServers builds the baseline and seam's control-channel server
// as the harness does and takes each through a short version of every
// workload: load, memory, an accept fault (seam only) and a graceful stop.
func TestSmokeServers(t *testing.T) {
	t.Parallel()
	dir, bins := buildServers(t, binBareKV, binSeamKV)
	ctx := testCtx(t)
	for _, tc := range []struct {
		sys   system
		bin   string
		fault bool
	}{
		{sysBare, bins[binBareKV], false},
		{sysSeam, bins[binSeamKV], true},
	} {
		t.Run(string(tc.sys), func(t *testing.T) {
			s, err := startServer(ctx, tc.sys, tc.bin, []string{"-addr", "127.0.0.1:0"}, filepath.Join(dir, string(tc.sys)+".log"), "", true)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.kill)
			res, err := runLoad(ctx, load{addr: s.addr, cmd: "SET", conns: 4, pipeline: 4, requests: 400, keyspace: 50, valueLen: 3})
			if err != nil || res.errors != 0 {
				t.Fatalf("load: %v, %d error replies", err, res.errors)
			}
			h := &harness{}
			if m, err := h.memOf(ctx, s); err != nil || m.heap <= 0 || m.allocObjs <= 0 {
				t.Fatalf("memory: %+v, %v", m, err)
			}
			if _, err := rssKiB(s.pid()); err != nil {
				t.Fatalf("rss: %v", err)
			}
			conns, err := openIdle(ctx, s.addr, 20)
			if err != nil {
				t.Fatal(err)
			}
			defer closeAll(conns)
			rep, err := s.call(ctx, "fault")
			if tc.fault {
				if ns, err2 := num(rep, "ns"); err != nil || err2 != nil || ns <= 0 {
					t.Fatalf("fault: %v %v %v", rep, err, err2)
				}
			} else if err == nil {
				t.Fatalf("fault on a bare server: %v, want refused", rep)
			}
			rep, err = s.stop(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"serve_ns", "drain_ns"} {
				if v, err := num(rep, k); err != nil || v < 0 {
					t.Errorf("stop report %v: %s = %v, %v", rep, k, v, err)
				}
			}
		})
	}
}

// TestSmokeFloors runs the memory workload's two cases and the scale
// workload, at a few dozen connections, on the Go floor and on seam's
// floor (and the baseline, whose graceful stop the scale workload times),
// through the harness's own code, and checks that every figure came out.
func TestSmokeFloors(t *testing.T) {
	t.Parallel()
	dir, bins := buildServers(t, binFloor, binSeamFloor, binBareKV)
	ctx := testCtx(t)
	h := &harness{
		cfg: config{rounds: 1, idle: 20, busy: 1, scaleCounts: []int{10, 30}, systems: []system{sysBare, sysFloor, sysNetFloor, sysSeamFloor}},
		tmp: dir, bins: bins, res: newResults(1), log: io.Discard,
	}
	for _, sys := range []system{sysFloor, sysNetFloor, sysSeamFloor} {
		if err := h.memory(ctx, sys, 0); err != nil {
			t.Fatalf("memory, %s: %v", sys, err)
		}
		for _, c := range []memCase{caseConnected, caseIdle} {
			for _, f := range memFigures(c, h.cfg.idle, 0) {
				if v := h.res.median(f.key, sys); math.IsNaN(v) {
					t.Errorf("%s: no %s", sys, f.name)
				}
			}
		}
	}
	if err := h.scale(ctx, []system{sysBare, sysFloor}, 0); err != nil {
		t.Fatalf("scale: %v", err)
	}
	rows := h.scaleRows()
	if len(rows) != 4 {
		t.Fatalf("scale rows %+v, want 2 counts × 2 systems", rows)
	}
	for _, r := range rows {
		if math.IsNaN(r.accept) || (r.sys == sysBare) == math.IsNaN(r.stopT) {
			t.Errorf("scale row %+v: want an accept time, and a stop time for bare only", r)
		}
	}
	var b strings.Builder
	if err := writeScaleCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 5 || !strings.HasPrefix(b.String(), strings.Join(scaleCSVHeader, ",")+"\n") {
		t.Errorf("scale.csv:\n%s", b.String())
	}
}

// TestSmokeHibernation runs the memory workload's two cases, the idle
// graceful stop and the wake workload, at a few connections, on seam as
// it ships (hibernating) and with hibernation off, through the harness's
// own code: the waits for the connections to hibernate end, and every
// figure comes out.
func TestSmokeHibernation(t *testing.T) {
	t.Parallel()
	dir, bins := buildServers(t, binSeamKV)
	ctx := testCtx(t)
	h := &harness{
		cfg: config{rounds: 1, idle: 20, busy: 1, wakeConns: 5, systems: []system{sysSeam, sysSeamNoHib}},
		tmp: dir, bins: bins, res: newResults(1), log: io.Discard,
	}
	systems := []system{sysSeam, sysSeamNoHib}
	for _, sys := range systems {
		if err := h.memory(ctx, sys, 0); err != nil {
			t.Fatalf("memory, %s: %v", sys, err)
		}
		if err := h.stopIdle(ctx, sys, 0); err != nil {
			t.Fatalf("stop, %s: %v", sys, err)
		}
	}
	if err := h.wake(ctx, systems, 0); err != nil {
		t.Fatalf("wake: %v", err)
	}
	for _, sys := range systems {
		for _, f := range []figure{memFigures(caseConnected, h.cfg.idle, 0)[0], memFigures(caseIdle, h.cfg.idle, 0)[0], figStopIdle, figWakeP50, figWakeP99} {
			if v := h.res.median(f.key, sys); math.IsNaN(v) {
				t.Errorf("%s: no %s", sys, f.key)
			}
		}
	}
}

// servers are the harness's servers of the root module, built once for
// all the tests of this binary (from the go command's cache where it
// keeps them) and removed by TestMain; the harness's own build, which
// links them afresh, is tested by TestBuild.
var servers = map[string]*seamtest.Program{
	binKV:        seamtest.NewProgram("github.com/seamgo/seam/examples/kv"),
	binSeamKV:    seamtest.NewProgram("github.com/seamgo/seam/bench/cmd/seamkv"),
	binBareKV:    seamtest.NewProgram("github.com/seamgo/seam/bench/cmd/barekv"),
	binFloor:     seamtest.NewProgram("github.com/seamgo/seam/bench/cmd/floor"),
	binSeamFloor: seamtest.NewProgram("github.com/seamgo/seam/bench/cmd/seamfloor"),
}

// buildServers returns the named servers, built on first use, and a
// temporary directory of the test's own for logs. It skips the test where
// the harness cannot run.
func buildServers(t *testing.T, names ...string) (dir string, bins map[string]string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the harness reads /proc")
	}
	bins = make(map[string]string)
	for _, name := range names {
		bins[name] = servers[name].Path(t)
	}
	return t.TempDir(), bins
}

// TestBuild builds a server as the harness does, with go build into its
// directory, and refuses a name it does not know.
func TestBuild(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build with")
	}
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	// A cold build on a busy machine can take a while; the deadline is
	// for a hung build, not a slow one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bins, err := build(ctx, root, dir, []string{binFloor}, "")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(bins[binFloor]); err != nil || fi.Mode()&0o111 == 0 || filepath.Dir(bins[binFloor]) != dir {
		t.Fatalf("built %v: %v, %v; want an executable in %s", bins, fi, err, dir)
	}
	if _, err := build(ctx, root, dir, []string{"nonesuch"}, ""); err == nil {
		t.Fatal("build accepted an unknown server")
	}
}
