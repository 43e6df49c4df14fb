package main

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/supervisor"
)

// TestSecondProcessOnSameAOF: while one kv has the file, a second kv on it
// exits 1 at once, saying the file is locked and naming it.
func TestSecondProcessOnSameAOF(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	path := filepath.Join(t.TempDir(), "kv.aof")
	startProcess(t, bin, "-addr", "127.0.0.1:0", "-aof", path)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-aof", path).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "kv cannot start") ||
		!strings.Contains(string(out), "locked") || !strings.Contains(string(out), path) {
		t.Fatalf("second kv on %s: %v\n%s", path, err, out)
	}
}

// TestSecondAppOnSameAOF is the same in process: the second tree's start
// fails with a StartError of its AOF writer wrapping aof.ErrLocked.
func TestSecondAppOnSameAOF(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	start(t, cfg)
	err := serve(t, build(t, cfg)).wait(t)
	var se *supervisor.StartError
	if !errors.As(err, &se) || !errors.Is(err, aof.ErrLocked) {
		t.Fatalf("second run = %v, want a StartError wrapping aof.ErrLocked", err)
	}
}
