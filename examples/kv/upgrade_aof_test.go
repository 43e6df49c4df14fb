//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener/seamtest"
)

// churn runs w as a client that connects anew for every SET, as
// redis-benchmark -k 0 does, until stop is closed: each acknowledged SET is
// noted in w.acked, the first failure (a refused connection, a connection
// closed without a reply, an error reply) in w.err, which ends it. longest
// keeps the longest a request took, connection included, in nanoseconds.
func churn(w *writer, addr string, stop <-chan struct{}, total, longest *atomic.Int64) {
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		began := time.Now()
		c, err := respclient.Dial(addr)
		if err != nil {
			w.err = err
			return
		}
		c.Conn().SetDeadline(time.Now().Add(30 * time.Second))
		v, err := c.Do("SET", fmt.Sprintf("w%d:%d", w.id, seq), fmt.Sprint("v", seq))
		c.Close()
		if err == nil {
			err = v.Err()
		}
		if err != nil {
			w.err = fmt.Errorf("SET w%d:%d: %w", w.id, seq, err)
			return
		}
		w.acked = append(w.acked, seq)
		w.n.Add(1)
		total.Add(1)
		for took, cur := time.Since(began).Nanoseconds(), longest.Load(); took > cur && !longest.CompareAndSwap(cur, took); cur = longest.Load() {
		}
	}
}

// kv -upgrade with its append-only file on, upgraded by SIGHUP while
// redis-benchmark and clients of our own connect anew for every request:
// no request fails (redis-benchmark exits at its first error), the old
// process exits 0, and every SET acknowledged before, during and after the
// upgrade is in the file the successor leaves.
func TestUpgradeWithAOFUnderLoad(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "kv.pid")
	kv := startUpgradable(t, bin, "-aof", filepath.Join(dir, "kv.aof"), "-addr", "127.0.0.1:0", "-upgrade", pidFile, "-logformat", "json")
	bench := startBenchmark(t, kv.addr, 10)

	stop := make(chan struct{})
	var total, longest atomic.Int64
	var ws []*writer
	var wg sync.WaitGroup
	for i := range 4 {
		wr := &writer{id: i}
		ws = append(ws, wr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			churn(wr, kv.addr, stop, &total, &longest)
		}()
	}
	seamtest.Eventually(t, "writes to be acknowledged", func() bool { return total.Load() >= 200 })
	before := total.Load()
	kv.upgrade(t)
	seamtest.Eventually(t, "writes acknowledged by the successor", func() bool { return total.Load() >= before+400 })
	close(stop)
	wg.Wait()
	for _, wr := range ws {
		if wr.err != nil {
			t.Errorf("client %d failed across the upgrade: %v", wr.id, wr.err)
		}
	}
	bench.running(t, "during the upgrade")
	bench.stop(t)
	t.Logf("longest SET with its connection across the upgrade: %v (%d acknowledged)", time.Duration(longest.Load()), total.Load())
	kv.stopSuccessor(t, pidFile)
	cfg, _ := testConfig(t, dir)
	checkAcked(t, cfg, ws)
}
