package admin_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// post sends an empty POST to path and returns the status and body.
func (a *app) post(t *testing.T, path string) (int, string) {
	t.Helper()
	code, body, err := a.request(http.MethodPost, path)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return code, body
}

// wantPost posts to path and checks the answer.
func (a *app) wantPost(t *testing.T, path string, code int, body string) {
	t.Helper()
	if have, b := a.post(t, path); have != code || b != body {
		t.Fatalf("POST %s: %d %q, want %d %q", path, have, b, code, body)
	}
}

// The admin service suspends a listener of the tree by name, as kv's
// "listener kv" is found by "kv": the suspended listener shows in the
// tree and in the metrics, a client that connects meanwhile waits in the
// backlog unaccepted while an open connection is served, and after the
// resume the waiting client is served.
func TestSuspendAndResumeAListener(t *testing.T) {
	queue := &listener.Server{Name: "listener queue", Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(echo), Logger: testLogger(t)}
	a := serveApp(t, supervisor.RunConfig{}, queue)
	open := seamtest.Dial(t, queue.BoundAddr())
	seamtest.WantEcho(t, open, "before")

	a.wantPost(t, "/listeners/queue/suspend", http.StatusOK, "queue: suspended\n")
	a.wantPost(t, "/listeners/queue/suspend", http.StatusOK, "queue: suspended already\n")
	ln := child(t, a.treeJSON(t)["tree"].(map[string]any), "listener queue")
	if ln["suspended"] != true {
		t.Errorf("a suspended listener in the tree: %v", ln)
	}
	if body := a.want(t, "/debug/tree", http.StatusOK); !strings.Contains(body, `<span class="state suspended">suspended</span>`) {
		t.Errorf("/debug/tree does not show the suspended listener:\n%s", body)
	}
	if v := value(t, a.metrics(t), "seam_listener_suspended", map[string]string{"listener": "listener queue"}); v != 1 {
		t.Errorf("seam_listener_suspended = %v while suspended", v)
	}

	accepted := queue.Stats().Accepted
	waiting := seamtest.Dial(t, queue.BoundAddr())
	if _, err := io.WriteString(waiting, "queued\n"); err != nil {
		t.Fatalf("write while suspended: %v", err)
	}
	seamtest.WantEcho(t, open, "during")
	if have := queue.Stats().Accepted; have != accepted {
		t.Fatalf("accepted %d connections while suspended", have-accepted)
	}

	a.wantPost(t, "/listeners/queue/resume", http.StatusOK, "queue: resumed\n")
	a.wantPost(t, "/listeners/queue/resume", http.StatusOK, "queue: accepting already\n")
	if line, err := bufio.NewReader(waiting).ReadString('\n'); err != nil || line != "queued\n" {
		t.Fatalf("the client that waited: %q, %v", line, err)
	}
	if v := value(t, a.metrics(t), "seam_listener_suspended", map[string]string{"listener": "listener queue"}); v != 0 {
		t.Errorf("seam_listener_suspended = %v after the resume", v)
	}
	if _, ok := child(t, a.treeJSON(t)["tree"].(map[string]any), "listener queue")["suspended"]; ok {
		t.Error("the tree still shows the listener suspended after the resume")
	}
}

// An exact name wins over one less its "listener ", an unknown name is
// 404, a name two listeners answer to is 409, and a GET is 405.
func TestListenerEndpointErrors(t *testing.T) {
	exact := &listener.Server{Name: "twin", Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(echo)}
	prefixed := &listener.Server{Name: "listener twin", Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(echo)}
	a := serveApp(t, supervisor.RunConfig{}, exact, prefixed)

	a.wantPost(t, "/listeners/twin/suspend", http.StatusOK, "twin: suspended\n")
	if !exact.Suspended() || prefixed.Suspended() {
		t.Fatalf("suspended: %q %v, %q %v; want only the exact name", exact.Name, exact.Suspended(), prefixed.Name, prefixed.Suspended())
	}
	a.wantPost(t, "/listeners/listener%20twin/suspend", http.StatusOK, "listener twin: suspended\n")
	if !prefixed.Suspended() {
		t.Fatal("the listener named in full was not suspended")
	}

	if code, body := a.post(t, "/listeners/nosuch/suspend"); code != http.StatusNotFound || body != "no listener named \"nosuch\"\n" {
		t.Errorf("unknown listener: %d %q", code, body)
	}
	if code, _ := a.post(t, "/listeners/admin/resume"); code != http.StatusNotFound {
		t.Errorf("a service that is no listener: %d, want 404", code)
	}
	a.want(t, "/listeners/twin/resume", http.StatusMethodNotAllowed)
	if !exact.Suspended() {
		t.Fatal("a GET resumed the listener")
	}
}

// Two listeners of one name are ambiguous: neither is touched.
func TestListenerEndpointAmbiguous(t *testing.T) {
	one := &listener.Server{Name: "same", Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(echo)}
	two := &listener.Server{Name: "same", Addr: "127.0.0.1:0", Handler: listener.HandlerFunc(echo)}
	a := serveApp(t, supervisor.RunConfig{}, one, two)
	if code, body := a.post(t, "/listeners/same/suspend"); code != http.StatusConflict || body != "2 listeners named \"same\"\n" {
		t.Errorf("two listeners of one name: %d %q", code, body)
	}
	if one.Suspended() || two.Suspended() {
		t.Error("an ambiguous name suspended a listener")
	}
}
