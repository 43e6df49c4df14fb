//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	benchBin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not on PATH")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "kv.pid")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	kv := exec.Command(bin, "-aof", filepath.Join(dir, "kv.aof"), "-addr", "127.0.0.1:0", "-upgrade", pidFile, "-logformat", "json")
	kv.Stderr = w
	kv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := kv.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var logs strings.Builder
	var mu sync.Mutex
	addrs := make(chan string, 2)
	readies := make(chan struct{}, 2)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		defer r.Close()
		for sc := bufio.NewScanner(r); sc.Scan(); {
			line := sc.Text()
			mu.Lock()
			logs.WriteString(line + "\n")
			mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				addrs <- m[1]
			}
			if strings.Contains(line, `"message":"upgrade: ready for the next upgrade"`) {
				readies <- struct{}{}
			}
		}
	}()
	kvDone := make(chan error, 1)
	go func() { kvDone <- kv.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-kv.Process.Pid, syscall.SIGKILL)
		<-logsDone
		if t.Failed() {
			mu.Lock()
			t.Logf("kv's stderr:\n%s", logs.String())
			mu.Unlock()
		}
	})
	addr := seamtest.Recv(t, addrs, "kv to listen")
	seamtest.Recv(t, readies, "kv to be ready")
	host, port, _ := strings.Cut(addr, ":")

	bench := exec.Command(benchBin, "-h", host, "-p", port, "-c", "10", "-k", "0", "-t", "set,get", "-n", "1000000000", "-q")
	benchOut, err := bench.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var benchErr strings.Builder
	bench.Stderr = &benchErr
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	var benchText strings.Builder
	benchDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(benchOut)
		sc.Split(scanCRLF)
		for sc.Scan() {
			benchText.WriteString(sc.Text() + "\n")
		}
		benchDone <- bench.Wait()
	}()
	t.Cleanup(func() { bench.Process.Kill() })

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
			churn(wr, addr, stop, &total, &longest)
		}()
	}
	seamtest.Eventually(t, "writes to be acknowledged", func() bool { return total.Load() >= 200 })

	before := total.Load()
	if err := kv.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, readies, "the successor to be ready")
	if err := seamtest.Recv(t, kvDone, "the old kv to exit"); err != nil {
		t.Fatalf("old kv: %v", err)
	}
	seamtest.Eventually(t, "writes acknowledged by the successor", func() bool { return total.Load() >= before+400 })
	close(stop)
	wg.Wait()
	for _, wr := range ws {
		if wr.err != nil {
			t.Errorf("client %d failed across the upgrade: %v", wr.id, wr.err)
		}
	}
	select {
	case err := <-benchDone:
		t.Fatalf("redis-benchmark exited during the upgrade: %v\n%s%s", err, benchText.String(), benchErr.String())
	default:
	}
	bench.Process.Signal(syscall.SIGTERM)
	<-benchDone
	if all := benchText.String() + benchErr.String(); strings.Contains(all, "Error") || strings.Contains(all, "Could not connect") {
		t.Fatalf("redis-benchmark reported errors:\n%s", all)
	}
	t.Logf("longest SET with its connection across the upgrade: %v (%d acknowledged)", time.Duration(longest.Load()), total.Load())

	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	newPID, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil || newPID == kv.Process.Pid {
		t.Fatalf("PID file %q after the upgrade; old PID %d", pid, kv.Process.Pid)
	}
	syscall.Kill(newPID, syscall.SIGTERM)
	seamtest.Recv(t, logsDone, "the successor to exit")
	cfg, _ := testConfig(t, dir)
	checkAcked(t, cfg, ws)
}
