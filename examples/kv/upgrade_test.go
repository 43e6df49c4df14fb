//go:build unix

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// scanCRLF splits redis-benchmark's output at \r as well as \n: its
// progress line is rewritten in place.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// listeningRE finds a listener's address in its "listening" line: the
// two processes share one stderr here, which a seamtest.Process does not
// read.
var listeningRE = regexp.MustCompile(`"addr":"([^"]+)".*"message":"listening"`)

// progressRE is a redis-benchmark progress line with requests completing.
var progressRE = regexp.MustCompile(`rps=[1-9]`)

// kv -upgrade upgraded in place by SIGHUP while redis-benchmark opens a
// connection per request: the successor serves the same port, the old
// process exits 0, and redis-benchmark, which exits at the first error
// (a refused connection, a connection closed without a reply), is still
// running and completing requests after the old process has gone.
func TestUpgradeUnderRedisBenchmark(t *testing.T) {
	t.Parallel()
	benchBin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not on PATH")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "kv.pid")

	// stderr is a pipe that the successor inherits: it reaches EOF once
	// both processes have exited.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	kv := exec.Command(bin, "-aof", "", "-addr", "127.0.0.1:0", "-upgrade", pidFile, "-logformat", "json")
	kv.Stderr = w
	// Its own process group, which the successor joins: the cleanup kills
	// both, whatever point the test failed at.
	kv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := kv.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var logs strings.Builder
	var mu sync.Mutex
	addrs := make(chan string, 2)
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
	// A process that is ready for an upgrade has written its PID there.
	servingPID := func() int {
		b, _ := os.ReadFile(pidFile)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return pid
	}
	seamtest.Eventually(t, "kv to be ready", func() bool { return servingPID() == kv.Process.Pid })
	host, port, _ := strings.Cut(addr, ":")

	bench := exec.Command(benchBin, "-h", host, "-p", port, "-c", "20", "-k", "0", "-t", "set,get", "-n", "1000000000", "-q")
	out, err := bench.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// benchOut is written by the goroutine that reads the output, and read
	// once it has sent on benchDone; stderr goes to benchErr.
	var benchOut, benchErr strings.Builder
	bench.Stderr = &benchErr
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	progress := make(chan struct{}, 1)
	benchDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Split(scanCRLF)
		for sc.Scan() {
			benchOut.WriteString(sc.Text() + "\n")
			if progressRE.MatchString(sc.Text()) {
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}
		benchDone <- bench.Wait()
	}()
	benchStopped := false
	t.Cleanup(func() {
		if !benchStopped {
			bench.Process.Kill()
			<-benchDone
		}
	})
	// ended fails the test if redis-benchmark has exited: it exits at its
	// first error.
	ended := func(when string) {
		t.Helper()
		select {
		case err := <-benchDone:
			benchStopped = true
			t.Fatalf("redis-benchmark exited %s: %v\n%s%s", when, err, benchOut.String(), benchErr.String())
		default:
		}
	}
	seamtest.Recv(t, progress, "redis-benchmark to complete requests")

	if err := kv.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	seamtest.Eventually(t, "the successor to be ready", func() bool {
		pid := servingPID()
		return pid != 0 && pid != kv.Process.Pid
	})
	if err := seamtest.Recv(t, kvDone, "the old kv to exit"); err != nil {
		t.Fatalf("old kv: %v", err)
	}
	ended("during the upgrade")
	select { // forget a line from before the old process exited
	case <-progress:
	default:
	}
	seamtest.Recv(t, progress, "redis-benchmark to complete requests on the successor")
	ended("after the upgrade")
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	newPID, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil || newPID == kv.Process.Pid {
		t.Fatalf("PID file %q after the upgrade; old PID %d", pid, kv.Process.Pid)
	}

	bench.Process.Signal(syscall.SIGTERM)
	<-benchDone
	benchStopped = true
	syscall.Kill(newPID, syscall.SIGTERM)
	seamtest.Recv(t, logsDone, "the successor to exit")
	all := benchOut.String() + benchErr.String()
	if strings.Contains(all, "Error") || strings.Contains(all, "Could not connect") {
		t.Fatalf("redis-benchmark reported errors:\n%s", all)
	}
}
