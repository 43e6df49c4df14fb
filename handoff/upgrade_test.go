//go:build unix

package handoff_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// readyLine parses the child's "ready PID ADDR".
func readyLine(t *testing.T, c *child, what string) (pid int, addr string) {
	t.Helper()
	line := seamtest.Recv(t, c.lines, what)
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "ready" {
		t.Fatalf("%s: line %q", what, line)
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("%s: line %q", what, line)
	}
	return pid, f[2]
}

// hammer is clients connecting again and again, each asking once which
// process serves it, until stopped.
type hammer struct {
	addr     string
	stopping chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	served   map[string]int // replies per PID
	errs     []error
	watch    atomic.Pointer[watch]
}

// watch waits for the first reply from one PID.
type watch struct {
	pid  string
	seen chan struct{}
	once sync.Once
}

// await returns a channel closed at the next reply from pid.
func (h *hammer) await(pid int) <-chan struct{} {
	w := &watch{pid: strconv.Itoa(pid), seen: make(chan struct{})}
	h.watch.Store(w)
	return w.seen
}

func startHammer(addr string, clients int) *hammer {
	h := &hammer{addr: addr, stopping: make(chan struct{}), served: map[string]int{}}
	h.watch.Store(&watch{})
	for range clients {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			for {
				select {
				case <-h.stopping:
					return
				default:
				}
				pid, err := h.once()
				h.mu.Lock()
				if err != nil {
					h.errs = append(h.errs, err)
				} else {
					h.served[pid]++
				}
				h.mu.Unlock()
				if w := h.watch.Load(); err == nil && pid == w.pid {
					w.once.Do(func() { close(w.seen) })
				}
			}
		}()
	}
	return h
}

func (h *hammer) once() (string, error) {
	c, err := net.DialTimeout("tcp", h.addr, seamtest.Wait)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(seamtest.Wait))
	if _, err := fmt.Fprintln(c, "which"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

func (h *hammer) stop() {
	close(h.stopping)
	h.wg.Wait()
}

// SIGHUP upgrades a running binary in place while clients keep connecting:
// the successor inherits the socket and becomes ready, the old process
// stops gracefully and exits, and no client sees a refused connection or
// any other error. The PID file follows the upgrade.
func TestUpgradeUnderLoadLosesNoConnection(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	c := startChild(t, "upgrade", []string{pidFileEnv + "=" + pidFile}, nil, "")
	oldPID, addr := readyLine(t, c, "the first binary to be ready")

	h := startHammer(addr, 8)
	stopped := false
	defer func() {
		if !stopped {
			h.stop()
		}
	}()
	seamtest.Recv(t, h.await(oldPID), "a reply from the first binary")

	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	newPID, newAddr := readyLine(t, c, "the successor to be ready")
	if newPID == oldPID || newAddr != addr {
		t.Fatalf("successor: pid %d at %s; first: pid %d at %s", newPID, newAddr, oldPID, addr)
	}
	if err := c.wait(t); err != nil {
		t.Fatalf("the first binary: %v", err)
	}
	// The first binary has exited: a reply from the successor now shows
	// the socket is served by it alone.
	seamtest.Recv(t, h.await(newPID), "a reply from the successor after the first binary exited")
	h.stop()
	stopped = true

	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) > 0 {
		t.Errorf("%d client errors through the upgrade, the first: %v", len(h.errs), h.errs[0])
	}
	t.Logf("replies per PID: %v", h.served)
	if pid, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(newPID) {
		t.Errorf("PID file: %q, %v; want %d", pid, err, newPID)
	}

	syscall.Kill(newPID, syscall.SIGTERM)
	for range c.lines { // closed once the successor has exited
	}
}
