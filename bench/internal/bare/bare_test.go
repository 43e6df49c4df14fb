package bare

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// TestServeStops checks the baseline does what a careful hand-written
// server does at stop: it cancels the handlers' ctx, waits for them and
// closes their connections.
func TestServeStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var running atomic.Int64
	started := make(chan struct{}, 1)
	h := listener.HandlerFunc(func(ctx context.Context, c net.Conn) error {
		running.Add(1)
		defer running.Add(-1)
		c.Write([]byte("hi"))
		started <- struct{}{}
		<-ctx.Done()
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h) }()

	c := seamtest.Dial(t, ln.Addr())
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v after cancel, want nil", err)
	}
	if n := running.Load(); n != 0 {
		t.Fatalf("%d handlers still running after Serve returned", n)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(c); err != nil || string(b) != "hi" {
		t.Fatalf("read %q, %v; want hi then EOF", b, err)
	}
}

// failingListener fails its first Accept for good.
type failingListener struct{ net.Listener }

var errBroken = errors.New("broken")

func (failingListener) Accept() (net.Conn, error) { return nil, errBroken }

func TestServeReturnsAcceptError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = Serve(context.Background(), failingListener{ln}, listener.HandlerFunc(
		func(context.Context, net.Conn) error { return nil }))
	if !errors.Is(err, errBroken) {
		t.Fatalf("Serve = %v, want the accept error", err)
	}
}
