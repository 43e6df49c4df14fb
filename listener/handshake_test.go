package listener

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// A client that connects to a TLS listener and never finishes the
// handshake is closed at TLSHandshakeTimeout and counted; the handler never
// sees it.
func TestTLSHandshakeTimeout(t *testing.T) {
	called := make(chan struct{}, 1)
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		called <- struct{}{}
		return echo(ctx, c)
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, TLSConfig: tlsServer(t), TLSHandshakeTimeout: 20 * time.Millisecond}
	served := seamtest.Start(t, s)
	addr, stop := served.Addr, served.Stop
	silent := seamtest.Dial(t, addr) // plain TCP: no ClientHello ever comes
	expectClosed(t, silent)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.HandshakeTimeouts != 1 || st.ForceClosed != 0 {
		t.Fatalf("stats = %+v; want 1 handshake timeout", st)
	}
	select {
	case <-called:
		t.Fatal("the handler was called for a connection whose handshake failed")
	default:
	}
}

// readingListener reports, on reading, each accepted connection's first
// Read: the moment the server waits for its client.
type readingListener struct {
	net.Listener
	reading chan struct{}
}

func (l *readingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &readingConn{Conn: c, reading: l.reading}, nil
}

type readingConn struct {
	net.Conn
	reading chan struct{}
	once    sync.Once
}

func (c *readingConn) Read(p []byte) (int, error) {
	c.once.Do(func() { c.reading <- struct{}{} })
	return c.Conn.Read(p)
}

// A stop cuts a pending handshake short rather than waiting for its
// timeout or the drain's force-close.
func TestStopCutsAHandshakeShort(t *testing.T) {
	reading := make(chan struct{}, 1)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), TLSConfig: tlsServer(t),
		TLSHandshakeTimeout: -1, DrainTimeout: time.Hour}
	s.Bind = func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		return &readingListener{Listener: ln, reading: reading}, nil
	}
	served := seamtest.Start(t, s)
	addr, stop := served.Addr, served.Stop
	silent := seamtest.Dial(t, addr)
	<-reading // the handshake waits for a ClientHello that never comes
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, silent)
	if st := s.Stats(); st.ForceClosed != 0 || st.HandshakeTimeouts != 0 {
		t.Fatalf("stats = %+v; want the handshake ended by the stop", st)
	}
}

// tlsServer is a server TLS configuration; these tests' clients never
// finish a handshake, so they need no client configuration.
func tlsServer(t *testing.T) *tls.Config {
	server, _ := seamtest.TLS(t)
	return server
}
