package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the kv command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "kv")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is the kv binary running, with its stderr collected.
type process struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr strings.Builder
	done   chan struct{} // closed when stderr is drained
}

func (p *process) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// listeningRE finds the listener's address in its "listening" line. kv's
// stderr is not a terminal here, so its logs are JSON (-logformat auto).
var listeningRE = regexp.MustCompile(`"addr":"([^"]+)".*"message":"listening"`)

// startProcess runs the binary with args and waits until it listens.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("kv's stderr:\n%s", p.logs())
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("kv exited before listening:\n%s", p.logs())
	case <-time.After(20 * time.Second):
		t.Fatalf("kv did not start listening:\n%s", p.logs())
	}
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	exited := make(chan error, 1)
	go func() {
		<-p.done
		exited <- p.cmd.Wait()
	}()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatal("kv did not exit")
		return -1
	}
}

// TestSIGTERMWhilePipelining is the whole program as an operator runs it:
// SIGTERM while clients pipeline SETs, exit status 0, and every
// acknowledged SET in the file a restarted server loads.
func TestSIGTERMWhilePipelining(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	aofPath := filepath.Join(dir, "kv.aof")
	p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-aof", aofPath, "-shutdown-timeout", "3s")
	ws, wait := startWriters(t, p.addr, 8, 3000)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("kv exited with status %d after SIGTERM", code)
	}
	wait()
	for _, want := range []string{"stopping", "append-only file flushed, synced and closed"} {
		if !strings.Contains(p.logs(), want) {
			t.Fatalf("kv's log lacks %q", want)
		}
	}
	cfg, _ := testConfig(t, dir)
	checkAcked(t, cfg, ws)
}

// The binary refuses bad flags, and a busy port, with a non-zero status.
func TestProcessRefusesBadStart(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-fsync", "sometimes", "-aof", "").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "sometimes") {
		t.Fatalf("bad -fsync: %v\n%s", err, out)
	}

	// A corrupt file stops the start and names the offset.
	path := filepath.Join(t.TempDir(), "bad.aof")
	if err := os.WriteFile(path, []byte("*1\r\n$8\r\nFLUSHALL\r\n*2\r\n:1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-aof", path).CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "offset 18") {
		t.Fatalf("corrupt AOF: %v\n%s", err, out)
	}

	// A fixed port already in use stops the start and names the address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	out, err = exec.CommandContext(ctx, bin, "-addr", busy, "-aof", "").CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "kv cannot start") ||
		!strings.Contains(string(out), busy) {
		t.Fatalf("busy port %s: %v\n%s", busy, err, out)
	}
}
