package services

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// newClient returns a real net/http client whose idle connections are
// closed when the test ends, so their goroutines do not outlive it.
func newClient(t *testing.T, tlsConfig *tls.Config) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: tlsConfig}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: seamtest.Wait}
}

// hello answers every request with "hello".
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "hello")
})

// startSupervisor runs a supervisor that restarts at once after a failure
// and reports its events; the test's cleanup stops it and waits for it.
func startSupervisor(t *testing.T, services ...suture.Service) (*suture.Supervisor, *seamtest.Events) {
	t.Helper()
	ev := seamtest.NewEvents()
	sup := suture.New("test", suture.Spec{
		EventHook:        ev.Hook,
		FailureThreshold: 100,
		FailureBackoff:   time.Millisecond,
		Timeout:          seamtest.Wait,
	})
	for _, s := range services {
		sup.Add(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := sup.ServeBackground(ctx)
	t.Cleanup(func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(2 * seamtest.Wait):
			t.Errorf("supervisor did not stop within %v", 2*seamtest.Wait)
		}
	})
	return sup, ev
}
