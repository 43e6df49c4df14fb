package admin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// echo is the listener's handler: seamtest.Echo.
var echo = seamtest.Echo

// app is a tree served by supervisor.Run in the background: an admin
// Server first, then an echo listener, then whatever the test adds.
type app struct {
	health *supervisor.Health
	admin  *admin.Server
	ln     *listener.Server
	root   *supervisor.Group
	cancel context.CancelFunc
	done   chan error // Run's result, read by wait
	once   sync.Once
	err    error
	client *http.Client
	base   string

	// closed receives the answer of /readyz at the moment the listener's
	// socket is closed, the start of its stop.
	closed chan int
}

// serveApp runs the tree until the test ends; cfg's Health and OnReady are
// set here.
func serveApp(t *testing.T, cfg supervisor.RunConfig, more ...suture.Service) *app {
	t.Helper()
	a := &app{
		health: &supervisor.Health{},
		done:   make(chan error, 1),
		closed: make(chan int, 1),
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	}
	a.admin = &admin.Server{Addr: "127.0.0.1:0", Health: a.health, Logger: testLogger(t)}
	var once sync.Once
	a.ln = &listener.Server{
		Name:    "echo",
		Addr:    "127.0.0.1:0",
		Handler: listener.HandlerFunc(echo),
		Logger:  testLogger(t),
		Bind: func(network, addr string) (net.Listener, error) {
			l, err := net.Listen(network, addr)
			if err != nil {
				return nil, err
			}
			return &closeProbe{Listener: l, probe: func() { once.Do(func() { a.closed <- a.status("/readyz") }) }}, nil
		},
	}
	root := &supervisor.Group{Name: "app", Services: append([]suture.Service{a.admin, a.ln}, more...)}
	a.root = root
	ready := make(chan struct{})
	cfg.Health, cfg.OnReady = a.health, func() { close(ready) }
	cfg.Logger = testLogger(t)
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go func() { a.done <- supervisor.Run(ctx, root, cfg) }()
	t.Cleanup(func() {
		cancel()
		a.wait(t)
	})
	seamtest.Recv(t, ready, "the tree to be ready")
	a.base = "http://" + a.admin.BoundAddr().String()
	return a
}

// wait waits for Run to return and returns its result.
func (a *app) wait(t *testing.T) error {
	t.Helper()
	a.once.Do(func() {
		select {
		case a.err = <-a.done:
		case <-time.After(seamtest.Wait):
			a.err = errors.New("Run did not return")
			t.Error(a.err)
		}
	})
	return a.err
}

func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
}

// closeProbe calls probe when the listening socket is closed, before it
// closes it.
type closeProbe struct {
	net.Listener
	probe func()
}

func (c *closeProbe) Close() error {
	c.probe()
	return c.Listener.Close()
}

// get fetches path from the admin Server.
func (a *app) get(path string) (int, string, error) { return a.request(http.MethodGet, path) }

// request sends an empty request for path to the admin Server and returns
// the status and body.
func (a *app) request(method, path string) (int, string, error) {
	req, err := http.NewRequest(method, a.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// status is get's status code, or -1 when the request failed.
func (a *app) status(path string) int {
	code, _, err := a.get(path)
	if err != nil {
		return -1
	}
	return code
}

// want fetches path and checks its status code; it returns the body.
func (a *app) want(t *testing.T, path string, code int) string {
	t.Helper()
	have, body, err := a.get(path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if have != code {
		t.Fatalf("GET %s: status %d, want %d (body %q)", path, have, code, body)
	}
	return body
}

// waitStatus polls path until it answers code.
func (a *app) waitStatus(t *testing.T, path string, code int) {
	t.Helper()
	seamtest.Eventually(t, fmt.Sprintf("GET %s to answer %d", path, code), func() bool { return a.status(path) == code })
}

// dial opens a connection to the echo listener and checks that it is
// served.
func (a *app) dial(t *testing.T) net.Conn {
	t.Helper()
	c := seamtest.Dial(t, a.ln.BoundAddr())
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("echo: have %q, %v", line, err)
	}
	return c
}

// metrics fetches /metrics and parses it with Prometheus's own parser.
func (a *app) metrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	body := a.want(t, "/metrics", http.StatusOK)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// value returns the value of the series of name whose labels include
// labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

// treeJSON fetches and decodes /debug/tree.json.
func (a *app) treeJSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.NewDecoder(bytes.NewReader([]byte(a.want(t, "/debug/tree.json", http.StatusOK)))).Decode(&v); err != nil {
		t.Fatalf("decode /debug/tree.json: %v", err)
	}
	return v
}

// wantSupervised checks that the failure and restart series of service
// svc under sup, and the backoff series of sup, are all at want.
func wantSupervised(t *testing.T, fams map[string]*dto.MetricFamily, sup, svc string, want float64) {
	t.Helper()
	for name, labels := range map[string]map[string]string{
		"seam_service_failures_total":    {"supervisor": sup, "service": svc},
		"seam_service_restarts_total":    {"supervisor": sup, "service": svc},
		"seam_supervisor_backoffs_total": {"supervisor": sup},
		"seam_supervisor_in_backoff":     {"supervisor": sup},
	} {
		if v := value(t, fams, name, labels); v != want {
			t.Errorf("%s%v = %v, want %v", name, labels, v, want)
		}
	}
}
