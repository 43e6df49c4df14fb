package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/listener/seamtest"
)

// atMaxClients fills a server at addr with n clients, each served (it
// answered a PING), and returns a raw connection over the cap's answer:
// everything it read before the server closed it.
func atMaxClients(t *testing.T, addr string, n int) string {
	t.Helper()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, "PING\r\n"); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "+PONG\r\n" {
			t.Fatalf("client %d under the cap: %q, %v", i+1, line, err)
		}
	}
	over, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	over.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(over, "PING\r\n")
	got, err := io.ReadAll(over)
	if err != nil {
		// A reset after the answer still carries the answer.
		t.Logf("reading the answer over the cap: %v", err)
	}
	return string(got)
}

// A client over -maxconns gets redis-server's exact answer at once and the
// connection ends, instead of hanging in the backlog; redis-cli shows the
// same as against redis-server with the same maxclients.
func TestMaxClientsReached(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.maxConns = 2
	r := start(t, cfg)
	if have := atMaxClients(t, r.addr, 2); have != maxClientsReply {
		t.Fatalf("over the cap kv answered %q; want %q", have, maxClientsReply)
	}
	if st := r.app.listener.Stats(); st.Rejected != 1 {
		t.Fatalf("Rejected = %d; want 1", st.Rejected)
	}
	kvCLI := redisCLIPing(t, r.addr)

	redis, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH: kv checked alone")
	}
	addr := startRedis(t, redis, "--maxclients", "2")
	if have := atMaxClients(t, addr, 2); have != maxClientsReply {
		t.Fatalf("redis-server answered %q; kv's reply %q is not its text", have, maxClientsReply)
	}
	if redisCLI := redisCLIPing(t, addr); redisCLI != kvCLI {
		t.Fatalf("redis-cli PING over the cap: kv %q, redis-server %q", kvCLI, redisCLI)
	}
}

// redisCLIPing runs redis-cli PING against addr and returns what it
// printed; it skips the test when redis-cli is not installed.
func redisCLIPing(t *testing.T, addr string) string {
	t.Helper()
	out, _ := redisCLICommand(t, context.Background(), addr, "PING").CombinedOutput()
	if !strings.HasPrefix(string(out), "ERR max number of clients reached\n") {
		t.Fatalf("redis-cli PING against %s over the cap printed %q", addr, out)
	}
	return string(out)
}

// startRedis runs redis-server on a free loopback port, without
// persistence, and returns its address once it answers.
func startRedis(t *testing.T, bin string, args ...string) string {
	t.Helper()
	port := kvtest.FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", port)
	args = append([]string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--logfile", ""}, args...)
	seamtest.StartProcess(t, bin, args...).Logs.WaitFor(t, "Ready to accept connections")
	return addr
}

// -timeout closes a client that sends nothing, as Redis's timeout does.
func TestIdleClientIsClosed(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.idleTimeout = 50 * time.Millisecond
	r := start(t, cfg)
	c := dial(t, r.addr)
	if _, err := c.Conn().Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("an idle client's read: %v; want EOF", err)
	}
	if st := r.app.listener.Stats(); st.IdleClosed != 1 {
		t.Fatalf("IdleClosed = %d; want 1", st.IdleClosed)
	}
}

func TestTimeoutFlagMustNotBeNegative(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.idleTimeout = -time.Second
	if _, err := newApp(cfg); err == nil {
		t.Fatal("newApp accepted a negative -timeout")
	}
}
