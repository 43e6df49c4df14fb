package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

func TestServeEchoesOverEveryTransport(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(echo)}
			tr.setup(t, s)
			srv := seamtest.Start(t, s)
			a, b := tr.dial(t, srv.Addr), tr.dial(t, srv.Addr)
			seamtest.WantEcho(t, a, "hello")
			seamtest.WantEcho(t, b, "world")
			seamtest.WantEcho(t, a, "again")
			if err := srv.Stop(); err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if st := s.Stats(); st.Accepted != 2 || st.Active != 0 {
				t.Fatalf("stats after stop: %+v", st)
			}
		})
	}
}

// Cancelling ctx makes Serve return; closing the socket is what
// unblocks Accept, and that error is the normal way out, not a failure.
func TestCancelUnblocksAcceptAndIsNotAFailure(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Logger: logs.Logger()}
	srv := seamtest.Start(t, s)
	if err := srv.Stop(); err != nil {
		t.Fatalf("Serve returned %v after cancel; want nil", err)
	}
	if c, err := net.Dial("tcp", srv.Addr.String()); err == nil {
		c.Close()
		t.Fatal("the socket still accepts after Serve returned")
	}
	for _, e := range logs.Events("") {
		if lvl := e["level"]; lvl == "error" || lvl == "warn" {
			t.Errorf("a normal stop logged %v: %v", lvl, e)
		}
	}
	if st := s.Stats(); st.AcceptorRestarts != 0 {
		t.Fatalf("the acceptor was restarted on a normal stop: %+v", st)
	}
}

func TestReadyAndBoundAddr(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	if s.BoundAddr() != nil {
		t.Fatal("BoundAddr before Serve is not nil")
	}
	select {
	case <-s.Ready():
		t.Fatal("Ready closed before Serve")
	default:
	}
	addr := seamtest.Start(t, s).Addr
	if tcp, ok := addr.(*net.TCPAddr); !ok || tcp.Port == 0 {
		t.Fatalf("BoundAddr = %v; want the port the kernel chose", addr)
	}
}

func TestBadConfigIsRefusedBeforeBinding(t *testing.T) {
	tests := []struct {
		name string
		s    *Server
		want string
	}{
		{"no handler", &Server{Addr: "127.0.0.1:0"}, "Handler is nil"},
		{"bad network", &Server{Network: "udp", Handler: HandlerFunc(echo)}, "Network"},
		{"negative max conns", &Server{MaxConns: -1, Handler: HandlerFunc(echo)}, "MaxConns"},
		{"unknown overflow", &Server{Overflow: 7, Handler: HandlerFunc(echo)}, "Overflow"},
		{"negative reject timeout", &Server{RejectTimeout: -time.Second, Handler: HandlerFunc(echo)}, "RejectTimeout"},
		{"negative drain", &Server{DrainTimeout: -time.Second, Handler: HandlerFunc(echo)}, "DrainTimeout"},
		{"negative backoff", &Server{AcceptBackoffMin: -1, Handler: HandlerFunc(echo)}, "backoff"},
		{"min above max", &Server{AcceptBackoffMin: time.Second, AcceptBackoffMax: time.Millisecond, Handler: HandlerFunc(echo)}, "AcceptBackoffMin"},
		{"unix without path", &Server{Network: "unix", Handler: HandlerFunc(echo)}, "path"},
		{"tls without certificate", &Server{TLSConfig: &tls.Config{}, Handler: HandlerFunc(echo)}, "TLSConfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			bound := false
			s.Bind = func(network, address string) (net.Listener, error) {
				bound = true
				return net.Listen(network, address)
			}
			err := s.Serve(context.Background())
			if !errors.Is(err, supervisor.ErrBadConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Serve = %v; want supervisor.ErrBadConfig mentioning %q", err, tt.want)
			}
			if !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatal("a config error would be restarted by suture forever")
			}
			if bound {
				t.Fatal("Serve bound before refusing the config")
			}
		})
	}
}

func TestAddrAndListenerTogetherIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{Addr: "127.0.0.1:0", Listener: ln, Handler: HandlerFunc(echo)}
	if err := s.Serve(context.Background()); !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("Serve = %v; want supervisor.ErrBadConfig", err)
	}
}

func TestServesAGivenListenerAndClosesIt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Listener: ln, Handler: HandlerFunc(echo)}
	srv := seamtest.Start(t, s)
	if srv.Addr.String() != ln.Addr().String() {
		t.Fatalf("BoundAddr = %v; want the given listener's %v", srv.Addr, ln.Addr())
	}
	c := seamtest.Dial(t, srv.Addr)
	seamtest.WantEcho(t, c, "given")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the given listener is still open after Serve: Accept = %v", err)
	}
}

// A given Listener cannot be bound again, so its failure ends Serve with an
// error for the parent to handle, and the error must not carry the suture
// sentinel that would end the parent's whole tree.
func TestGivenListenerFailureEndsServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Listener: &faultListener{Listener: ln}, Handler: HandlerFunc(echo)}
	served := seamtest.Start(t, s)
	ln.Close()
	err = served.Wait(t)
	if !errors.Is(err, ErrListenerGone) {
		t.Fatalf("Serve = %v; want ErrListenerGone", err)
	}
	if errors.Is(err, suture.ErrTerminateSupervisorTree) || errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("Serve's error %v carries a suture sentinel", err)
	}
}

func TestServeTwiceAtOnceIsRefused(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	seamtest.Start(t, s)
	if err := s.Serve(context.Background()); !errors.Is(err, supervisor.ErrAlreadyServing) || !errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("second Serve = %v; want supervisor.ErrAlreadyServing wrapping suture.ErrDoNotRestart", err)
	}
}

func TestString(t *testing.T) {
	if have := (&Server{Name: "kv"}).String(); have != "kv" {
		t.Fatalf("String = %q", have)
	}
	if have := (&Server{Addr: ":6380"}).String(); have != "listener :6380" {
		t.Fatalf("String = %q", have)
	}
	// A given Listener names the server by its address, in String as in
	// the logs (which use the resolved name).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{Listener: ln, Handler: HandlerFunc(echo)}
	want := "listener " + ln.Addr().String()
	if have := s.String(); have != want {
		t.Fatalf("String = %q; want %q", have, want)
	}
	if cfg, err := s.resolve(); err != nil || cfg.name != want {
		t.Fatalf("resolved name = %q, %v; want %q", cfg.name, err, want)
	}
}

// The Server composes with suture as any service: added to a supervisor,
// it serves, and stopping the supervisor stops it.
func TestUnderASupervisor(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo)}
	sup := suture.New("app", suture.Spec{EventHook: func(suture.Event) {}})
	sup.Add(s)
	ctx, cancel := context.WithCancel(context.Background())
	done := sup.ServeBackground(ctx)
	<-s.Ready()
	c := seamtest.Dial(t, s.BoundAddr())
	seamtest.WantEcho(t, c, "supervised")
	cancel()
	<-done
	expectClosed(t, c)
}

func TestTCP4AndTCP6(t *testing.T) {
	tests := []struct{ network, addr string }{
		{"tcp4", "127.0.0.1:0"},
		{"tcp6", "[::1]:0"},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			if tt.network == "tcp6" {
				probe, err := net.Listen("tcp6", tt.addr)
				if err != nil {
					t.Skipf("no IPv6 loopback here: %v", err)
				}
				probe.Close()
			}
			s := &Server{Network: tt.network, Addr: tt.addr, Handler: HandlerFunc(echo)}
			addr := seamtest.Start(t, s).Addr
			c, err := net.Dial(tt.network, addr.String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			seamtest.WantEcho(t, c, tt.network)
		})
	}
}
