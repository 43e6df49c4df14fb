package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestSmokeServers builds the baseline and seam's control-channel server
// as the harness does and takes each through a short version of every
// workload: load, memory, an accept fault (seam only) and a graceful stop.
func TestSmokeServers(t *testing.T) {
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
			if _, heap, _, err := h.memOf(ctx, s); err != nil || heap <= 0 {
				t.Fatalf("memory: heap %v, %v", heap, err)
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

// buildServers builds the named servers as the harness does, into a
// temporary directory, or skips the test where the harness cannot run.
func buildServers(t *testing.T, names ...string) (dir string, bins map[string]string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the harness reads /proc")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the servers with")
	}
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	// A cold build on a busy machine can take a while; the deadline is
	// for a hung build, not a slow one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir = t.TempDir()
	if bins, err = build(ctx, root, dir, names); err != nil {
		t.Fatal(err)
	}
	return dir, bins
}
