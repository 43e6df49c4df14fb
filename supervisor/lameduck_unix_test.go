//go:build unix

package supervisor

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// A service learns of the lame duck through its ctx while that ctx is
// still live, and LameDuck outside a Run never fires.
func TestLameDuckReachesServices(t *testing.T) {
	h := &Health{}
	sawLameDuck := make(chan error, 1) // ctx.Err() when LameDuck closed
	svc := &funcService{name: "svc", fn: func(ctx context.Context) error {
		select {
		case <-LameDuck(ctx):
			sawLameDuck <- ctx.Err()
		case <-ctx.Done():
			t.Error("ctx ended before LameDuck closed")
		}
		<-ctx.Done()
		return nil
	}}
	root := &Group{Name: "app", Services: []suture.Service{svc}}
	done := runCatching(t, context.Background(), root, RunConfig{Logger: seamtest.NewLogs(t).Logger(), Health: h, LameDuck: time.Hour})
	seamtest.Eventually(t, "the tree to be ready", h.Ready)

	if ch := LameDuck(context.Background()); ch != nil {
		t.Errorf("LameDuck outside a Run = %v, want nil", ch)
	}
	kill(t, syscall.SIGTERM)
	if err := seamtest.Recv(t, sawLameDuck, "svc to see the lame duck"); err != nil {
		t.Errorf("svc's ctx had ended when LameDuck closed: %v", err)
	}
	kill(t, syscall.SIGTERM)
	seamtest.RecvNil(t, done, "Run to return")
}
