package main

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// TestFleet is the short version of the proof: one SIGKILL and one
// SIGTERM of the leader, a few hundred messages, short outages.
func TestFleet(t *testing.T) {
	for _, tool := range []string{"etcd", "nats-server", "haproxy", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the fleet proof needs %s on PATH (Debian: etcd-server, nats-server, haproxy): %v", tool, err)
		}
	}
	if testing.Short() {
		t.Skip("builds two programs and runs a fleet of nine processes")
	}
	var out bytes.Buffer
	cfg := config{
		rounds:   1,
		ttl:      2 * time.Second,
		interval: 200 * time.Millisecond,
		messages: 300,
		outage:   2 * time.Second,
		dir:      t.TempDir(),
		out:      &out,
	}
	err := prove(context.Background(), cfg)
	t.Log(out.String())
	if err != nil {
		t.Fatalf("%v (logs in %s)", err, cfg.dir)
	}
}
