//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// upgradable is kv run with -upgrade, as an operator runs it, with what
// the upgrade tests watch of it: the address it listens on, each process's
// readiness for the next upgrade, the first process's exit.
type upgradable struct {
	cmd      *exec.Cmd
	addr     string
	readies  chan struct{} // one per process ready for the next upgrade
	exited   chan error    // the first process's exit
	logsDone chan struct{} // closed once every process has exited
}

// startUpgradable starts kv with args (which must include -upgrade and
// -logformat json) and returns once it is ready. Its logs are shown if the
// test fails; every process it starts is killed at the end.
func startUpgradable(t *testing.T, bin string, args ...string) *upgradable {
	t.Helper()
	// stderr is a pipe that the successor inherits: it reaches EOF once
	// both processes have exited.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	u := &upgradable{
		cmd:      exec.Command(bin, args...),
		readies:  make(chan struct{}, 2),
		exited:   make(chan error, 1),
		logsDone: make(chan struct{}),
	}
	u.cmd.Stderr = w
	// Its own process group, which the successor joins: the cleanup kills
	// both, whatever point the test failed at.
	u.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := u.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var logs strings.Builder
	var mu sync.Mutex
	addrs := make(chan string, 2)
	go func() {
		defer close(u.logsDone)
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
				u.readies <- struct{}{}
			}
		}
	}()
	go func() { u.exited <- u.cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-u.cmd.Process.Pid, syscall.SIGKILL)
		<-u.logsDone
		if t.Failed() {
			mu.Lock()
			t.Logf("kv's stderr:\n%s", logs.String())
			mu.Unlock()
		}
	})
	u.addr = seamtest.Recv(t, addrs, "kv to listen")
	seamtest.Recv(t, u.readies, "kv to be ready")
	return u
}

// upgrade sends SIGHUP and returns once the successor is ready and the
// first process has exited 0.
func (u *upgradable) upgrade(t *testing.T) {
	t.Helper()
	if err := u.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, u.readies, "the successor to be ready")
	if err := seamtest.Recv(t, u.exited, "the old kv to exit"); err != nil {
		t.Fatalf("old kv: %v", err)
	}
}

// stopSuccessor checks that pidFile names the successor, stops it with
// SIGTERM and waits until it has exited.
func (u *upgradable) stopSuccessor(t *testing.T, pidFile string) {
	t.Helper()
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	newPID, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil || newPID == u.cmd.Process.Pid {
		t.Fatalf("PID file %q after the upgrade; old PID %d", pid, u.cmd.Process.Pid)
	}
	syscall.Kill(newPID, syscall.SIGTERM)
	seamtest.Recv(t, u.logsDone, "the successor to exit")
}

// benchmark is redis-benchmark with a connection per request (-k 0),
// running until stopped. It exits at its first error: a refused
// connection, a connection closed without a reply.
type benchmark struct {
	cmd      *exec.Cmd
	out, err strings.Builder // written by the reading goroutine until done
	progress chan struct{}   // a line with requests completing
	done     chan error
	stopped  bool
}

// startBenchmark runs redis-benchmark -k 0 against addr with conns
// clients, or skips the test if it is not installed.
func startBenchmark(t *testing.T, addr string, conns int) *benchmark {
	t.Helper()
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not on PATH")
	}
	host, port, _ := strings.Cut(addr, ":")
	b := &benchmark{
		cmd:      exec.Command(bin, "-h", host, "-p", port, "-c", strconv.Itoa(conns), "-k", "0", "-t", "set,get", "-n", "1000000000", "-q"),
		progress: make(chan struct{}, 1),
		done:     make(chan error, 1),
	}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = &b.err
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Split(scanCRLF)
		for sc.Scan() {
			b.out.WriteString(sc.Text() + "\n")
			if progressRE.MatchString(sc.Text()) {
				select {
				case b.progress <- struct{}{}:
				default:
				}
			}
		}
		b.done <- b.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !b.stopped {
			b.cmd.Process.Kill()
			<-b.done
		}
	})
	return b
}

// running fails the test if redis-benchmark has exited, which it does at
// its first error.
func (b *benchmark) running(t *testing.T, when string) {
	t.Helper()
	select {
	case err := <-b.done:
		b.stopped = true
		t.Fatalf("redis-benchmark exited %s: %v\n%s%s", when, err, b.out.String(), b.err.String())
	default:
	}
}

// stop ends redis-benchmark and fails the test if it reported an error.
func (b *benchmark) stop(t *testing.T) {
	t.Helper()
	b.cmd.Process.Signal(syscall.SIGTERM)
	<-b.done
	b.stopped = true
	if all := b.out.String() + b.err.String(); strings.Contains(all, "Error") || strings.Contains(all, "Could not connect") {
		t.Fatalf("redis-benchmark reported errors:\n%s", all)
	}
}
