package server

import (
	"crypto/tls"
	"runtime"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// An idle TLS client waits for its next command in a Read on its own
// connection goroutine, not on a worker of the stack pool: the wait for
// bytes cannot happen before the Read for TLS, and on a worker it would
// hold two goroutines and cost two switches a burst.
func TestTLSBurstsRunInline(t *testing.T) {
	serverTLS, clientTLS := seamtest.TLS(t)
	ts := startServer(t, serverOpts{listener: func(ln *listener.Server) { ln.TLSConfig = serverTLS }})
	nc, err := tls.Dial("tcp", ts.addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	c := respclient.New(nc)
	defer c.Close()
	if have := do(t, c, "PING"); have != `"PONG"` {
		t.Fatalf("PING over TLS: %s", have)
	}
	seamtest.Eventually(t, "the connection's goroutine to wait in its burst's Read", func() bool {
		for _, g := range goroutines() {
			if strings.Contains(g, "(*Handler).ServeConn") && strings.Contains(g, "(*conn).burst") &&
				strings.Contains(g, "(*Conn).Read") {
				return true
			}
		}
		return false
	})
	if have := do(t, c, "PING"); have != `"PONG"` {
		t.Fatalf("second PING over TLS: %s", have)
	}
}

// goroutines returns the stacks of every goroutine, one string each.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	return strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
}
