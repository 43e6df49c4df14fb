package listener

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// A handler that ignores both its ctx and the force-close keeps the
// listener from stopping. supervisor.Run must then say so, naming the
// stuck connection by its listener and remote address, and return an
// error for main to exit non-zero with.
func TestRunReportNamesAStuckConnection(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	stuck := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		close(entered)
		<-release // ignores ctx and the socket alike
		return nil
	})
	s := &Server{Name: "kv", Addr: "127.0.0.1:0", Handler: stuck, DrainTimeout: 50 * time.Millisecond}
	root := supervisor.New("app", supervisor.Config{StopTimeout: 300 * time.Millisecond})
	served := &observed{Server: s, returned: make(chan struct{})}
	root.Add(served)

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- supervisor.Run(ctx, root, supervisor.RunConfig{ShutdownTimeout: time.Second}) }()
	<-s.Ready()
	c := seamtest.Dial(t, s.BoundAddr())
	<-entered

	cancel()
	err := seamtest.Recv(t, ran, "Run to return")
	want := "app/kv: conn " + c.LocalAddr().String()
	if !errors.Is(err, supervisor.ErrUnstopped) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run = %v; want ErrUnstopped naming %q", err, want)
	}

	close(release)
	// The abandoned Serve finishes its stop.
	seamtest.Recv(t, served.returned, "the listener's Serve to return once its handler did")
}

// observed is a Server whose Serve reports its return, for a test whose
// Serve is started by a supervisor that may abandon it.
type observed struct {
	*Server
	returned chan struct{}
}

func (o *observed) Serve(ctx context.Context) error {
	defer close(o.returned)
	return o.Server.Serve(ctx)
}
