//go:build unix

package main

import (
	"bytes"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/seamgo/seam/internal/loopback"
	"github.com/seamgo/seam/listener/seamtest"
)

// scanCRLF splits redis-benchmark's output at \r as well as \n: its
// progress line is rewritten in place.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// listeningRE finds a listener's address in its "listening" line: the
// two processes share one stderr here, which a seamtest.Process does not
// read.
var listeningRE = regexp.MustCompile(`"addr":"([^"]+)".*"message":"listening"`)

// progressRE is a redis-benchmark progress line with requests completing.
var progressRE = regexp.MustCompile(`rps=[1-9]`)

// kv -upgrade upgraded in place by SIGHUP while redis-benchmark opens a
// connection per request: the successor serves the same port, the old
// process exits 0, and redis-benchmark, which exits at the first error
// (a refused connection, a connection closed without a reply), is still
// running and completing requests after the old process has gone.
func TestUpgradeUnderRedisBenchmark(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	pidFile := filepath.Join(t.TempDir(), "kv.pid")
	kv := startUpgradable(t, bin, "-aof", "", "-addr", "127.0.0.1:0", "-upgrade", pidFile, "-logformat", "json")
	bench := startBenchmark(t, kv.addr, 20)
	seamtest.Recv(t, bench.progress, "redis-benchmark to complete requests")
	kv.upgrade(t)
	bench.running(t, "during the upgrade")
	select { // forget a line from before the old process exited
	case <-bench.progress:
	default:
	}
	seamtest.Recv(t, bench.progress, "redis-benchmark to complete requests on the successor")
	bench.running(t, "after the upgrade")
	bench.stop(t)
	kv.stopSuccessor(t, pidFile)
}

// kv -upgrade with -admin on a fixed port, as an operator runs it behind
// a probe: the successor inherits the admin socket with the others, so it
// comes up although the old process still holds the port, and answers
// the probes there once the old one has gone.
func TestUpgradeHandsOverTheAdminPort(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	admin, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "kv.pid")
	kv := startUpgradable(t, bin, "-aof", "", "-addr", "127.0.0.1:0", "-admin", admin, "-upgrade", pidFile, "-logformat", "json")
	client := &http.Client{Timeout: seamtest.Wait}
	if code, _ := seamtest.Get(t, client, "http://"+admin+"/healthz"); code != http.StatusOK {
		t.Fatalf("GET /healthz before the upgrade = %d, want 200", code)
	}
	kv.upgrade(t)
	if code, _ := seamtest.Get(t, client, "http://"+admin+"/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz from the successor = %d, want 200", code)
	}
	client.CloseIdleConnections()
	kv.stopSuccessor(t, pidFile)
}
