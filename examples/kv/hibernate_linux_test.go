package main

import (
	"bufio"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// kv as newApp builds it parks a client that has sent nothing at accept
// (its listener's HibernateAtAccept is the handler's WaitsForClient): the
// client counts in connected_clients and in INFO seam's
// listener_unstarted, and its first command is answered.
func TestSilentClientsBornAsleep(t *testing.T) {
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath = ""
	cfg.hibernateAfter = time.Hour
	r := start(t, cfg)
	var silent []net.Conn
	for range 3 {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		silent = append(silent, nc)
	}
	seamtest.Eventually(t, "the silent clients to be parked", func() bool { return r.app.listener.Stats().Unstarted == 3 })
	c := dial(t, r.addr)
	if have := do(t, c, "INFO", "clients"); !strings.Contains(have, `connected_clients:4\r\n`) {
		t.Errorf("INFO clients with 3 silent clients and the asking one:\n%s", have)
	}
	if have := do(t, c, "INFO", "seam"); !strings.Contains(have, `listener_unstarted:3\r\n`) {
		t.Errorf("INFO seam with 3 silent clients:\n%s", have)
	}
	silent[0].SetDeadline(time.Now().Add(seamtest.Wait))
	io.WriteString(silent[0], "PING\r\n")
	if line, err := bufio.NewReader(silent[0]).ReadString('\n'); err != nil || line != "+PONG\r\n" {
		t.Fatalf("the first command of a client born asleep: %q, %v", line, err)
	}
}

// The clients of every listener of kv count in INFO, not only those of
// the plain TCP one: silent clients of -unixsocket are in
// connected_clients asked over TCP.
func TestSilentClientsOfEveryListenerCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.sock")
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath = ""
	cfg.hibernateAfter = time.Hour
	cfg.sec = security{unixSocket: path, protectedMode: true}
	r := start(t, cfg)
	seamtest.Recv(t, r.app.unixListener.Ready(), "the unix socket")
	for range 2 {
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
	}
	seamtest.Eventually(t, "the unix socket's silent clients to be parked", func() bool { return r.app.unixListener.Stats().Unstarted == 2 })
	c := dial(t, r.addr)
	if have := do(t, c, "INFO", "clients"); !strings.Contains(have, `connected_clients:3\r\n`) {
		t.Errorf("INFO clients with 2 silent clients on the unix socket and the asking one on TCP:\n%s", have)
	}
}
