package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// tlsEcho serves a TLS listener whose handler echoes lines until the
// client's end, and returns a client config that trusts it.
func tlsEcho(t *testing.T) (addr net.Addr, client *tls.Config) {
	t.Helper()
	serverTLS, clientTLS := seamtest.TLS(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), TLSConfig: serverTLS}
	return seamtest.Start(t, s).Addr, clientTLS
}

// dialTLSRoundTrip dials addr over TLS and has one message echoed, so
// that the handshake and what the server sends after it (its session
// ticket) are behind the client.
func dialTLSRoundTrip(t *testing.T, addr net.Addr, cfg *tls.Config) (*net.TCPConn, *tls.Conn) {
	t.Helper()
	raw := seamtest.Dial(t, addr).(*net.TCPConn)
	tc := tls.Client(raw, cfg)
	raw.SetDeadline(time.Now().Add(seamtest.Wait))
	if _, err := tc.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "ping\n" {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	return raw, tc
}

// A client that closes its socket without a close_notify alert, as
// redis-benchmark does, gets none back: the server closes its side with no
// byte more.
func TestTLSPeerCloseSendsNoAlert(t *testing.T) {
	addr, cfg := tlsEcho(t)
	raw, _ := dialTLSRoundTrip(t, addr, cfg)
	if err := raw.CloseWrite(); err != nil { // FIN, no close_notify
		t.Fatal(err)
	}
	rest, err := io.ReadAll(raw)
	if err != nil {
		t.Fatalf("reading to the server's close: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("the server sent %d bytes after its client closed (a close_notify alert)", len(rest))
	}
}

// A client that ends with a close_notify alert gets the server's own
// back, as TLS asks.
func TestTLSPeerCloseNotifyIsAnswered(t *testing.T) {
	addr, cfg := tlsEcho(t)
	_, tc := dialTLSRoundTrip(t, addr, cfg)
	if err := tc.CloseWrite(); err != nil { // close_notify, the socket left open
		t.Fatal(err)
	}
	if _, err := tc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after close_notify: %v; want io.EOF, the server's close_notify", err)
	}
}

// A connection the server ends first gets a close_notify: its client is
// still reading and learns the end is clean.
func TestTLSServerCloseSendsAlert(t *testing.T) {
	serverTLS, clientTLS := seamtest.TLS(t)
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		_, err := c.Write(buf)
		return err // and the listener closes it
	})
	addr := seamtest.Start(t, &Server{Addr: "127.0.0.1:0", Handler: h, TLSConfig: serverTLS}).Addr
	_, tc := dialTLSRoundTrip(t, addr, clientTLS)
	_, err := tc.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read after the server's end: %v; want io.EOF, its close_notify", err)
	}
}
