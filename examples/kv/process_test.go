package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// kvBin is the kv command, built once for every test that runs it as a
// process.
var kvBin = seamtest.NewProgram(".")

// buildBinary returns the kv command, built on the first call.
func buildBinary(t *testing.T) string {
	t.Helper()
	return kvBin.Path(t)
}

// process is the kv binary running, with its stderr collected. kv's
// stderr is not a terminal here, so its logs are JSON (-logformat auto).
type process struct {
	*seamtest.Process
	cmd  *exec.Cmd
	addr string // the listener's address, from its "listening" line
}

func (p *process) logs() string { return p.Logs.String() }

// startProcess runs the binary with args and waits until it listens: a
// separate process tells only its log when it has bound a port the kernel
// chose.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	sp := seamtest.StartProcess(t, bin, args...)
	addr, _ := sp.Logs.WaitFor(t, "listening")["addr"].(string)
	if addr == "" {
		t.Fatal("kv's listening line has no addr")
	}
	return &process{Process: sp, cmd: sp.Cmd, addr: addr}
}

// wait waits for the process to exit and returns its exit code.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	return p.Wait(t, 30*time.Second)
}

// TestSIGTERMWhilePipelining is the whole program as an operator runs it:
// SIGTERM while clients pipeline SETs, exit status 0, and every
// acknowledged SET in the file a restarted server loads.
func TestSIGTERMWhilePipelining(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
