package seamtest_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// TestProcess builds logexit once for its subtests, as a package's
// TestMain shares a program with seamtest.MainBuilt.
func TestProcess(t *testing.T) {
	logexit := seamtest.NewProgram("./testdata/logexit")
	t.Cleanup(logexit.Remove)
	bin := logexit.Path(t)
	if again := logexit.Path(t); again != bin {
		t.Fatalf("second Path = %s, want the first build's %s", again, bin)
	}
	// The go command of go.mod's version (1.24) and later keeps what go run
	// links in its cache, which Path reuses rather than link again.
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if cache := strings.TrimSpace(string(out)); err != nil || !strings.HasPrefix(bin, cache+string(filepath.Separator)) {
		t.Errorf("Path = %s, want the go command's cached executable, in %s (%v)", bin, cache, err)
	}

	t.Run("logs and exit status", func(t *testing.T) {
		p := seamtest.StartProcess(t, bin, "3")
		ev := p.Logs.WaitFor(t, "started")
		if pid, _ := ev["pid"].(float64); int(pid) != p.Cmd.Process.Pid {
			t.Fatalf("started line %v, want the JSON fields of pid %d", ev, p.Cmd.Process.Pid)
		}
		if code := p.Wait(t, seamtest.Wait); code != 3 {
			t.Fatalf("exit status %d, want 3", code)
		}
		// Once Wait has returned, the last line is there: no wait for it.
		if len(p.Logs.Events("not JSON")) != 1 {
			t.Fatalf("after Wait the output lacks its last line:\n%s", p.Logs.String())
		}
	})

	var hung *seamtest.Process
	t.Run("hang", func(t *testing.T) {
		hung = seamtest.StartProcess(t, bin, "hang")
		hung.Logs.WaitFor(t, "started")
	})
	if hung == nil || hung.Cmd.ProcessState == nil || hung.Cmd.ProcessState.Success() {
		t.Fatal("a process still running when its test ended was not killed and waited for")
	}
}
