//go:build unix

package services

import (
	"context"
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// The lame duck of a supervisor.Run turns keep-alives off: a real client
// is told "Connection: close" and still gets its answer.
func TestHTTPLameDuckTurnsKeepAlivesOff(t *testing.T) {
	health := &supervisor.Health{}
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- supervisor.Run(ctx, h, supervisor.RunConfig{
			Health:   health,
			LameDuck: time.Hour, // ended by the signal below
			Signals:  []os.Signal{syscall.SIGUSR2},
		})
	}()
	seamtest.Eventually(t, "the tree to be ready", health.Ready)
	c := newClient(t, nil)
	url := "http://" + h.BoundAddr().String() + "/"
	if closes(t, c, url) {
		t.Fatal("a ready server asked to close the connection")
	}

	cancel()
	seamtest.Eventually(t, "Connection: close in the lame duck", func() bool { return closes(t, c, url) })
	if p := health.Phase(); p != supervisor.PhaseLameDuck {
		t.Errorf("phase = %v, want lame duck", p)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	seamtest.RecvNil(t, done, "Run to return")
}

// closes GETs url, checks the answer and reports whether the server asked
// to close the connection.
func closes(t *testing.T, c *http.Client, url string) bool {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(body) != "hello" {
		t.Fatalf("GET %s = %d %q, want 200 hello", url, resp.StatusCode, body)
	}
	return resp.Close
}
