package services

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// waitFor is the generous deadline of every wait in these tests: reaching
// it means the behaviour under test is broken, not that the machine is
// slow.
const waitFor = 10 * time.Second

// served is a service's Serve running in the background.
type served struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // valid once done is closed
}

// serve runs svc.Serve in a goroutine; the test's cleanup stops it and
// waits for it, so nothing outlives the test.
func serve(t *testing.T, svc suture.Service) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = svc.Serve(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(waitFor):
			t.Errorf("Serve did not return within %v of the cleanup's cancel", waitFor)
		}
	})
	return s
}

// wait returns Serve's result, failing the test if it does not come.
func (s *served) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(waitFor):
		t.Fatalf("Serve did not return within %v", waitFor)
		return nil
	}
}

// stop cancels Serve's ctx and returns its result.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	return s.wait(t)
}

// returned reports whether Serve has returned.
func (s *served) returned() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// waitReady waits for h to be bound and returns the base URL to reach it.
func waitReady(t *testing.T, h *HTTP, scheme string) string {
	t.Helper()
	select {
	case <-h.Ready():
	case <-time.After(waitFor):
		t.Fatalf("%s: not ready within %v", h, waitFor)
	}
	return scheme + "://" + h.BoundAddr().String()
}

// newClient returns a real net/http client whose idle connections are
// closed when the test ends, so their goroutines do not outlive it.
func newClient(t *testing.T, tlsConfig *tls.Config) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: tlsConfig}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitFor}
}

// get fetches url and returns the status and the body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// hello answers every request with "hello".
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "hello")
})

// logBuffer collects zerolog output from several goroutines, and lets a
// test wait for a line as the event that marks a step of a service.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced at every Write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// await waits until a line containing substr has been logged.
func (b *logBuffer) await(t *testing.T, substr string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		b.mu.Lock()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		logged := strings.Contains(b.buf.String(), substr)
		b.mu.Unlock()
		if logged {
			return
		}
		select {
		case <-written:
		case <-deadline:
			t.Fatalf("no log line contains %q within %v:\n%s", substr, waitFor, b.String())
		}
	}
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine returns the fields of the first line of logs that contains
// substr, failing the test if there is none.
func logLine(t *testing.T, logs, substr string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, substr) {
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		return fields
	}
	t.Fatalf("no log line contains %q:\n%s", substr, logs)
	return nil
}

// events records a supervisor's events without ever blocking it (the hook
// runs on the supervisor's goroutine).
type events chan suture.Event

func (e events) hook(ev suture.Event) {
	select {
	case e <- ev:
	default:
	}
}

// next returns the next event of type T, skipping others.
func nextEvent[T suture.Event](t *testing.T, e events) T {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case ev := <-e:
			if want, ok := ev.(T); ok {
				return want
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %T event within %v", zero, waitFor)
			return zero
		}
	}
}

// startSupervisor runs a supervisor that restarts at once after a failure
// and reports its events; the test's cleanup stops it and waits for it.
func startSupervisor(t *testing.T, services ...suture.Service) (*suture.Supervisor, events) {
	t.Helper()
	ev := make(events, 64)
	sup := suture.New("test", suture.Spec{
		EventHook:        ev.hook,
		FailureThreshold: 100,
		FailureBackoff:   time.Millisecond,
		Timeout:          waitFor,
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
		case <-time.After(2 * waitFor):
			t.Errorf("supervisor did not stop within %v", 2*waitFor)
		}
	})
	return sup, ev
}

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "seam test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// eventually waits for cond, checked every millisecond, to hold.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(waitFor)
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-poll.C:
		case <-deadline:
			t.Fatalf("waited %v for %s", waitFor, what)
		}
	}
}
