package listener

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/listener/seamtest"
)

// DrainContext lives through the drain: it is live when the handler's
// ctx ends, carries the connection's logger, and ends once the drain is
// over.
func TestDrainContextOutlivesTheHandlersCtx(t *testing.T) {
	logs := seamtest.NewLogs(t)
	seen := make(chan context.Context, 1)
	atCancel := make(chan error, 1) // DrainContext's Err when ctx ended
	s := &Server{
		Addr:         "127.0.0.1:0",
		DrainTimeout: time.Minute, // a stop within seamtest.Wait did not reach it
		Logger:       logs.Logger(),
		Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
			dctx := DrainContext(ctx)
			seen <- dctx
			<-ctx.Done()
			atCancel <- dctx.Err()
			return nil
		}),
	}
	srv := seamtest.Start(t, s)
	conn := dialTCP(t, srv.Addr.String())
	defer conn.Close()
	dctx := seamtest.Recv(t, seen, "the handler to start")

	zerolog.Ctx(dctx).Info().Msg("from the drain context")
	line := logs.WaitFor(t, "from the drain context")
	if line["remote"] != conn.LocalAddr().String() {
		t.Errorf("DrainContext's logger has remote %v, want the connection's %v", line["remote"], conn.LocalAddr())
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if err := seamtest.Recv(t, atCancel, "the handler to see the stop"); err != nil {
		t.Errorf("DrainContext ended with the handler's ctx: %v", err)
	}
	if dctx.Err() == nil {
		t.Error("DrainContext still live after Serve returned")
	}
}

// At the drain deadline DrainContext ends, just as the connections are
// closed by force: a handler waiting on it alone returns.
func TestDrainContextEndsAtTheForceClose(t *testing.T) {
	returned := make(chan error, 1)
	started := make(chan struct{})
	s := &Server{
		Addr:         "127.0.0.1:0",
		DrainTimeout: time.Millisecond, // the handler ignores its ctx and its conn
		Handler: HandlerFunc(func(ctx context.Context, c net.Conn) error {
			dctx := DrainContext(ctx)
			close(started)
			<-dctx.Done()
			returned <- dctx.Err()
			return nil
		}),
	}
	srv := seamtest.Start(t, s)
	conn := dialTCP(t, srv.Addr.String())
	defer conn.Close()
	seamtest.Recv(t, started, "the handler to start")
	if err := srv.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if err := seamtest.Recv(t, returned, "the handler to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("DrainContext ended with %v, want context.Canceled", err)
	}
	if n := s.Stats().ForceClosed; n != 1 {
		t.Errorf("Stats().ForceClosed = %d, want 1", n)
	}
}

// Outside a listener's handler DrainContext changes nothing.
func TestDrainContextOfAnotherCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if have := DrainContext(ctx); have != ctx {
		t.Errorf("DrainContext(ctx) = %v, want ctx itself", have)
	}
}

func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return c
}
