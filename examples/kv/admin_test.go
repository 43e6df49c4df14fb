package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// With -admin, kv serves the probes, its listener's metrics and its tree;
// with -lameduck, the stop waits for it with /readyz at 503.
func TestAdmin(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.adminAddr = "127.0.0.1:0"
	cfg.lameDuck = time.Millisecond
	r := start(t, cfg)
	dial(t, r.addr)
	base := "http://" + r.app.admin.BoundAddr().String()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, string) {
		t.Helper()
		return seamtest.Get(t, client, base+path)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	seamtest.Eventually(t, "the connection to be counted", func() bool { return r.app.listener.Stats().Active == 1 })
	if _, body := get("/metrics"); !strings.Contains(body, `seam_listener_active_connections{listener="listener kv"} 1`) {
		t.Errorf("/metrics lacks the listener's connection:\n%s", body)
	}
	if _, body := get("/debug/tree.json"); !strings.Contains(body, `"name": "aof `) || !strings.Contains(body, `"name": "listener kv"`) {
		t.Errorf("/debug/tree.json lacks kv's children:\n%s", body)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}
