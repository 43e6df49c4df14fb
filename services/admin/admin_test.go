package admin_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
)

// Without a lame duck readiness still turns 503 before the socket closes.
func TestReadyzBeforeTheSocketCloses(t *testing.T) {
	a := serveApp(t, supervisor.RunConfig{})
	a.want(t, "/readyz", http.StatusOK)
	a.cancel()
	if code := seamtest.Recv(t, a.closed, "the listener to close its socket"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz when the listener closed its socket: %d, want 503", code)
	}
}

// The listener series match its Stats, one series per Stats field, each
// named for the field's words and helped by the field's own description;
// the service and supervisor series are there at 0 before any failure.
func TestMetricsMatchStats(t *testing.T) {
	a := serveApp(t, supervisor.RunConfig{})
	a.dial(t)
	a.dial(t).Close()
	// The closed connection's end is counted once its handler returns.
	seamtest.Eventually(t, "one connection open", func() bool { return a.ln.Stats().Active == 1 })
	fams := a.metrics(t)
	st := a.ln.Stats()
	typ := reflect.TypeFor[listener.Stats]()
	fields := st.Fields()
	if len(fields) != typ.NumField() {
		t.Fatalf("Stats.Fields has %d fields; Stats has %d", len(fields), typ.NumField())
	}
	for _, f := range fields {
		name := "seam_listener_" + f.Name + "_total"
		if f.Gauge {
			name = "seam_listener_" + f.Name
		}
		if f.Name == "active" {
			name = "seam_listener_active_connections"
		}
		fam, ok := fams[name]
		if !ok {
			t.Errorf("no series %s", name)
			continue
		}
		if fam.GetHelp() != f.Help {
			t.Errorf("%s: help %q, want the field's %q", name, fam.GetHelp(), f.Help)
		}
		if have := value(t, fams, name, map[string]string{"listener": "echo"}); have != float64(f.Value) {
			t.Errorf("%s: %v, want Stats().%s = %v", name, have, f.Name, f.Value)
		}
	}
	for _, name := range []string{"seam_listener_rejected_per_ip_total", "seam_listener_handshake_timeouts_total", "seam_listener_proxy_header_errors_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	listenerSeries := 0
	for name := range fams {
		if strings.HasPrefix(name, "seam_listener_") {
			listenerSeries++
		}
	}
	if n := typ.NumField(); listenerSeries != n {
		t.Errorf("%d listener series for %d Stats fields", listenerSeries, n)
	}
	if value(t, fams, "seam_listener_accepted_total", map[string]string{"listener": "echo"}) != 2 {
		t.Error("accepted is not 2")
	}
	wantSupervised(t, fams, "app", "echo", 0)
	wantSupervised(t, fams, "app", "admin", 0)
	for _, name := range []string{"seam_ready", "seam_live", "go_goroutines", "process_open_fds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if value(t, fams, "seam_ready", nil) != 1 {
		t.Error("seam_ready is not 1 in a ready tree")
	}
}

// flaky is a child that fails when the test says so.
type flaky struct {
	fail chan struct{}
}

func (f *flaky) Serve(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-f.fail:
		return errors.New("flaky: told to fail")
	}
}

func (f *flaky) String() string { return "worker" }

// A group paused in its failure backoff makes /healthz 503 and is counted
// in the metrics and shown in the tree; readiness is not liveness's to
// change.
func TestHealthzDuringABackoff(t *testing.T) {
	w := &flaky{fail: make(chan struct{})}
	g := &supervisor.Group{Name: "jobs", Services: []suture.Service{w}, FailureThreshold: 0.5, FailureBackoff: time.Hour}
	a := serveApp(t, supervisor.RunConfig{}, g)
	a.want(t, "/healthz", http.StatusOK)
	w.fail <- struct{}{}
	a.waitStatus(t, "/healthz", http.StatusServiceUnavailable)
	if body := a.want(t, "/healthz", http.StatusServiceUnavailable); body != "paused in failure backoff: jobs\n" {
		t.Errorf("/healthz body %q", body)
	}
	a.want(t, "/readyz", http.StatusOK)
	fams := a.metrics(t)
	wantSupervised(t, fams, "jobs", "worker", 1)
	if value(t, fams, "seam_live", nil) != 0 {
		t.Error("seam_live is not 0 during the backoff")
	}
	tree := a.treeJSON(t)
	jobs := child(t, tree["tree"].(map[string]any), "jobs")
	if jobs["state"] != "backoff" || child(t, jobs, "worker")["state"] != "down" {
		t.Errorf("jobs in the tree: %v", jobs)
	}
}

// child returns the child of n named name.
func child(t *testing.T, n map[string]any, name string) map[string]any {
	t.Helper()
	kids, _ := n["children"].([]any)
	for _, k := range kids {
		if m := k.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("%v has no child %q", n["name"], name)
	return nil
}

func TestDebugTreeJSON(t *testing.T) {
	a := serveApp(t, supervisor.RunConfig{})
	a.dial(t)
	v := a.treeJSON(t)
	if v["phase"] != "ready" || v["ready"] != true || v["live"] != true {
		t.Errorf("probes in the tree: %v", v)
	}
	root := v["tree"].(map[string]any)
	if root["name"] != "app" || root["kind"] != "group" || root["state"] != "running" {
		t.Errorf("root: %v", root)
	}
	ln := child(t, root, "echo")
	if ln["kind"] != "listener" || ln["state"] != "running" || ln["conns"] != float64(1) || ln["accepted"] != float64(1) {
		t.Errorf("listener: %v", ln)
	}
	if ad := child(t, root, "admin"); ad["kind"] != "service" || ad["state"] != "running" {
		t.Errorf("admin: %v", ad)
	}
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	a := serveApp(t, supervisor.RunConfig{})
	a.want(t, "/debug/pprof/", http.StatusNotFound)

	h := &supervisor.Health{}
	with := &admin.Server{Addr: "127.0.0.1:0", Health: h, Pprof: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- with.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	seamtest.Recv(t, with.Ready(), "the admin server to be ready")
	b := &app{client: a.client, base: "http://" + with.BoundAddr().String()}
	if body := b.want(t, "/debug/pprof/", http.StatusOK); !strings.Contains(body, "goroutine") {
		t.Errorf("pprof index without goroutine: %q", body)
	}
	b.want(t, "/debug/pprof/cmdline", http.StatusOK)
}

func TestNoHealth(t *testing.T) {
	err := (&admin.Server{}).Serve(context.Background())
	if !errors.Is(err, supervisor.ErrBadConfig) || !errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("have %v, want supervisor.ErrBadConfig and ErrDoNotRestart", err)
	}
}

// brokenListener fails every Accept with an error that is not temporary,
// as a socket broken under the listener would.
type brokenListener struct{ net.Listener }

func (b brokenListener) Accept() (net.Conn, error) {
	return nil, errors.New("broken socket")
}

// A listener builds its acceptor's supervisor inside its Serve; its
// backoff reaches /healthz through the Health that Run hands down.
func TestHealthzDuringAnAcceptorBackoff(t *testing.T) {
	broken := &listener.Server{
		Name:    "broken",
		Addr:    "127.0.0.1:0",
		Handler: listener.HandlerFunc(echo),
		Bind: func(network, addr string) (net.Listener, error) {
			l, err := net.Listen(network, addr)
			return brokenListener{l}, err
		},
	}
	a := serveApp(t, supervisor.RunConfig{}, broken)
	a.waitStatus(t, "/healthz", http.StatusServiceUnavailable)
	if body := a.want(t, "/healthz", http.StatusServiceUnavailable); body != "paused in failure backoff: broken/acceptor\n" {
		t.Errorf("/healthz body %q", body)
	}
	fams := a.metrics(t)
	if v := value(t, fams, "seam_supervisor_in_backoff", map[string]string{"supervisor": "broken/acceptor"}); v != 1 {
		t.Errorf("seam_supervisor_in_backoff{broken/acceptor} = %v", v)
	}
	if v := value(t, fams, "seam_listener_acceptor_restarts_total", map[string]string{"listener": "broken"}); v < 1 {
		t.Errorf("seam_listener_acceptor_restarts_total{broken} = %v", v)
	}
}
