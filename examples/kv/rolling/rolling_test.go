package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRollingRestart is the short version of the proof: one restart of
// each instance under both clients, and no error seen by either.
func TestRollingRestart(t *testing.T) {
	for _, tool := range []string{"haproxy", "redis-benchmark", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the rolling-restart test needs %s on PATH (Debian: apt-get install haproxy redis-tools): %v", tool, err)
		}
	}
	var out bytes.Buffer
	cfg := config{
		rounds: 1,
		// haproxy's DOWN ends the lame duck (a second SIGTERM), so the
		// test does not bet on haproxy's checks beating a fixed lame duck
		// on a loaded machine; the hour only bounds a DOWN that never
		// comes.
		lameDuck:      time.Hour,
		endAtDown:     true,
		fsync:         "everysec",
		dir:           t.TempDir(),
		benchRequests: 500,
		benchClients:  5,
		conns:         4,
		depth:         8,
		out:           &out,
		started: func(p *os.Process) {
			// run stops everything it starts; this is for a run that
			// panics or a test that is cut short.
			t.Cleanup(func() { _ = p.Kill() })
		},
	}
	rep, err := run(context.Background(), cfg)
	t.Logf("output:\n%s", out.String())
	if err != nil {
		t.Fatalf("run: %v (logs in %s)", err, cfg.dir)
	}
	if len(rep.restarts) != 2 {
		t.Errorf("%d restarts, want 2", len(rep.restarts))
	}
	if rep.benchRequests == 0 || rep.kaReplies == 0 || rep.kaCounters == 0 {
		t.Errorf("no traffic: %d redis-benchmark requests, %d keep-alive replies over %d counters",
			rep.benchRequests, rep.kaReplies, rep.kaCounters)
	}
	if n := rep.errors(); n > 0 {
		t.Errorf("%d errors:\nredis-benchmark: %s\nkeep-alive: %s\ncounters: %s", n,
			strings.Join(rep.benchErrors, "\n"), strings.Join(rep.kaErrors, "\n"), strings.Join(rep.mismatches, "\n"))
	}
}

// TestHAProxyConfig checks the lines that matter in the generated
// configuration: the readiness check on the admin port, and PROXY v2 only
// when asked for.
func TestHAProxyConfig(t *testing.T) {
	kvs := []*instance{
		{name: "a", addr: "127.0.0.1:7001", admin: "127.0.0.1:9001"},
		{name: "b", addr: "127.0.0.1:7002", admin: "127.0.0.1:9002"},
	}
	plain := haproxyConfig(kvs, false)
	for _, want := range []string{
		"option httpchk GET /readyz",
		"server a 127.0.0.1:7001 check port 9001 inter 100 fall 1 rise 2\n",
		"server b 127.0.0.1:7002 check port 9002 inter 100 fall 1 rise 2\n",
		"bind fd@3",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("config lacks %q:\n%s", want, plain)
		}
	}
	if strings.Contains(plain, "send-proxy") {
		t.Errorf("PROXY protocol without -proxy-v2:\n%s", plain)
	}
	if v2 := haproxyConfig(kvs, true); !strings.Contains(v2, "rise 2 send-proxy-v2\n") {
		t.Errorf("-proxy-v2 config lacks send-proxy-v2 on its server lines:\n%s", v2)
	}
}

// TestCompletedTests counts redis-benchmark's CSV result rows.
func TestCompletedTests(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","5586.59","0.683","0.040","0.487","1.223","3.583","22.159"
"GET","5128.21","0.737","0.032","0.583","1.687","4.879","13.679"
`
	if n := completedTests([]byte(out)); n != 2 {
		t.Errorf("completedTests = %d, want 2", n)
	}
	if n := completedTests(nil); n != 0 {
		t.Errorf("completedTests(nil) = %d, want 0", n)
	}
}
