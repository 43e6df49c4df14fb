package main

import (
	"os/exec"
	"testing"
)

// TestSmokeFanout builds the kv example as the harness does and takes it,
// and redis-server when it is installed, through a tiny fan-out workload:
// every subscriber must get every message in order, framed as the other
// server frames it, and the idle subscribers' memory must be readable. It
// asserts no timing.
func TestSmokeFanout(t *testing.T) {
	t.Parallel()
	dir, bins := buildServers(t, binKV)
	redis, _ := exec.LookPath("redis-server")
	ctx := testCtx(t)
	h := &harness{cfg: config{idle: 10, busy: 10, idleSubscribers: 10}, tmp: dir, bins: bins, redisSv: redis}
	for _, sys := range []system{sysSeam, sysRedis} {
		t.Run(string(sys), func(t *testing.T) {
			if sys == sysRedis && redis == "" {
				t.Skip("redis-server is not on PATH")
			}
			s, err := h.startPubSub(ctx, sys)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.kill)
			if _, err := idleSubscriberRSS(ctx, s, 10); err != nil {
				t.Fatalf("idle subscribers: %v", err)
			}
			for _, p := range []int{1, 7} {
				rate, err := runFanout(ctx, pubsubLoad{addr: s.addr, subscribers: 5, messages: 200, pipeline: p})
				if err != nil || rate <= 0 {
					t.Fatalf("fan-out, pipeline %d: %v msg/s, %v", p, rate, err)
				}
			}
			if _, err := s.stop(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPutSeq(t *testing.T) {
	b := make([]byte, seqDigits)
	putSeq(b, 1234)
	if string(b) != "000000001234" {
		t.Errorf("putSeq = %q", b)
	}
}
