//go:build unix

package admin_test

import (
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// Readiness turns 503 at the first stop signal, while the listener still
// accepts and serves new connections through the lame duck; the second
// signal ends it, and when the listener closes its socket /readyz has
// answered 503 all along.
func TestProbesThroughTheStop(t *testing.T) {
	catch(t, syscall.SIGUSR1)
	a := serveApp(t, supervisor.RunConfig{Signals: []os.Signal{syscall.SIGUSR1}, LameDuck: time.Hour})
	a.want(t, "/healthz", http.StatusOK)
	a.want(t, "/readyz", http.StatusOK)
	first := a.dial(t)

	sendSignal(t, syscall.SIGUSR1)
	a.waitStatus(t, "/readyz", http.StatusServiceUnavailable)
	a.dial(t) // accepted and served after /readyz answered 503
	a.want(t, "/healthz", http.StatusOK)
	if body := a.want(t, "/readyz", http.StatusServiceUnavailable); body != "not ready: lame duck\n" {
		t.Errorf("/readyz in the lame duck: %q", body)
	}
	if len(a.closed) != 0 {
		t.Fatal("the listener closed its socket in the lame duck")
	}

	sendSignal(t, syscall.SIGUSR1)
	if code := seamtest.Recv(t, a.closed, "the listener to close its socket"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz when the listener closed its socket: %d, want 503", code)
	}
	if err := a.wait(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	first.Close()
	if have := a.ln.Stats().Accepted; have != 2 {
		t.Errorf("accepted %d connections, want 2", have)
	}
}

// sendSignal sends sig to the test process. The test catches it itself
// first, so a signal Run has not yet subscribed to never ends the process.
func sendSignal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatalf("kill: %v", err)
	}
}

// catch subscribes the test to sig for its whole life.
func catch(t *testing.T, sig os.Signal) {
	c := make(chan os.Signal, 8)
	signal.Notify(c, sig)
	t.Cleanup(func() { signal.Stop(c) })
}
