package main

import (
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestSmokeTLS takes the kv example (also as system before), the bare
// baseline and redis-server through a tiny tls workload, as the harness
// runs it: each must answer over TLS, pipelined and with a new connection
// per request. It asserts no timing.
func TestSmokeTLS(t *testing.T) {
	bm, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark is not on PATH: the tls workload needs it")
	}
	// before runs the same build here: what is tested is that -before's
	// kv serves the TLS port as seam's does.
	systems := []system{sysSeam, sysBefore, sysBare}
	redis, _ := exec.LookPath("redis-server")
	if redis != "" {
		systems = append(systems, sysRedis)
	}
	dir, bins := buildServers(t, binKV, binBareKV)
	bins[binKVBefore] = bins[binKV]
	h := &harness{
		cfg: config{rounds: 1, conns: 2, pipelines: []int{1, 4}, requests: 200, pipelinedRequests: 400,
			churnRequests: 50, keyspace: 10, valueLen: 3, idle: 10, busy: 10, timeout: time.Minute},
		tmp: dir, bins: bins, redisSv: redis, redisBm: bm, res: newResults(1), log: io.Discard,
	}
	if err := h.tlsWorkload(testCtx(t), systems, 0); err != nil {
		t.Fatal(err)
	}
	for _, f := range []figure{tlsThroughputFig("SET", 2, 1), tlsThroughputFig("GET", 2, 4), figTLSChurn} {
		for _, sys := range systems {
			if v := h.res.median(f.key, sys); !(v > 0) {
				t.Errorf("%s on %s: %v", f.key, sys, v)
			}
		}
	}
	// The CPU time per request is there for every test, on Linux, where
	// /proc has it; a tiny run may take under /proc's 10 ms tick.
	if _, err := cpuSeconds(os.Getpid()); err != nil {
		return
	}
	for _, f := range []figure{tlsThroughputFig("SET", 2, 1), tlsThroughputFig("GET", 2, 4), figTLSChurn} {
		for _, sys := range systems {
			if v := h.res.median(tlsCPUFig(f).key, sys); !(v >= 0) {
				t.Errorf("%s on %s: %v", tlsCPUFig(f).key, sys, v)
			}
		}
	}
}
