package bind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// A bind after the first binds the port the kernel chose for the same
// Address; another Address is bound as asked, and pins anew.
func TestBindPinsThePort(t *testing.T) {
	var s Socket
	ctx := context.Background()
	target := Target{Network: "tcp", Address: "127.0.0.1:0"}
	first, err := s.Bind(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	want := first.Addr().String()
	first.Close()
	again, err := s.Bind(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if have := again.Addr().String(); have != want {
		t.Fatalf("second bind at %s; want the pinned %s", have, want)
	}
	again.Close()

	var asked []string
	target.Address = "127.0.0.2:0"
	target.Listen = func(ctx context.Context, network, address string) (net.Listener, error) {
		asked = append(asked, address)
		var lc net.ListenConfig
		return lc.Listen(ctx, network, "127.0.0.1:0")
	}
	for range 2 {
		ln, err := s.Bind(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
	}
	if len(asked) != 2 || asked[0] != "127.0.0.2:0" || asked[1] == asked[0] {
		t.Fatalf("binds asked for %q; want the new Address, then the port it pinned", asked)
	}
}

// A given Listener is handed out once: a second Serve could only serve it
// closed.
func TestBindHandsAGivenListenerOutOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var s Socket
	target := Target{Listener: ln}
	if have, err := s.Bind(context.Background(), target); err != nil || have != ln {
		t.Fatalf("first Bind = %v, %v; want the given listener", have, err)
	}
	if _, err := s.Bind(context.Background(), target); !errors.Is(err, ErrListenerGone) {
		t.Fatalf("second Bind = %v; want ErrListenerGone", err)
	}
}

func TestServingClosesReadyOnce(t *testing.T) {
	var s Socket
	ready := s.Ready()
	if s.Addr() != nil {
		t.Fatal("Addr before Serving is not nil")
	}
	select {
	case <-ready:
		t.Fatal("Ready closed before Serving")
	default:
	}
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	b := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2}
	s.Serving(a)
	s.Serving(b) // a restart: no second close
	<-ready
	if s.Ready() != ready || s.Addr() != b {
		t.Fatalf("after two Servings: Addr %v; want %v and the same Ready", s.Addr(), b)
	}
}

func TestSentinelsRideWithoutTheirText(t *testing.T) {
	err := fmt.Errorf("%w%w", errors.New("services: bad"), DoNotRestart)
	if !errors.Is(err, suture.ErrDoNotRestart) || err.Error() != "services: bad" {
		t.Fatalf("%q: want suture.ErrDoNotRestart in the chain and not in the text", err)
	}
	err = fmt.Errorf("%w%w", errors.New("listener: gone"), Terminate)
	if !errors.Is(err, suture.ErrTerminateSupervisorTree) || err.Error() != "listener: gone" {
		t.Fatalf("%q: want suture.ErrTerminateSupervisorTree in the chain and not in the text", err)
	}
}
