package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/rs/zerolog"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// whoami answers with the connection's RemoteAddr, logs a line through
// the connection's logger, then echoes.
func whoami(ctx context.Context, c net.Conn) error {
	zerolog.Ctx(ctx).Info().Msg("whoami")
	if _, err := io.WriteString(c, c.RemoteAddr().String()+"\n"); err != nil {
		return err
	}
	return echo(ctx, c)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// sendHeader writes a PROXY header of the version naming client as the
// source.
func sendHeader(t *testing.T, c net.Conn, version byte, client string) {
	t.Helper()
	src := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(client))
	h := proxyproto.HeaderProxyFromAddrs(version, src, c.RemoteAddr())
	if _, err := h.WriteTo(c); err != nil {
		t.Fatalf("write PROXY header: %v", err)
	}
}

// A trusted balancer's v1 and v2 headers name the client: the handler's
// RemoteAddr and the connection's log fields show it, over TCP and TLS
// (the header first, then the handshake).
func TestProxyProtocolNamesTheClient(t *testing.T) {
	for _, tr := range []string{"tcp", "tls"} {
		for _, version := range []byte{1, 2} {
			t.Run(fmt.Sprintf("%s/v%d", tr, version), func(t *testing.T) {
				logs := seamtest.NewLogs(t)
				s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami), Logger: logs.Logger(),
					ProxyProtocol: ProxyProtocol{Trusted: loopback}}
				var client *tls.Config
				if tr == "tls" {
					s.TLSConfig, client = seamtest.TLS(t)
				}
				addr := seamtest.Start(t, s).Addr
				c := seamtest.Dial(t, addr)
				sendHeader(t, c, version, "203.0.113.9:4711")
				if client != nil {
					c = tls.Client(c, client)
				}
				if line, _ := readLine(t, c); line != "203.0.113.9:4711\n" {
					t.Fatalf("RemoteAddr = %q; want the header's source", line)
				}
				ev := logs.WaitFor(t, "whoami")
				if ev["remote"] != "203.0.113.9:4711" || ev["via"] != c.LocalAddr().String() {
					t.Fatalf("log fields remote=%v via=%v; want the client and %v", ev["remote"], ev["via"], c.LocalAddr())
				}
			})
		}
	}
}

// An untrusted peer's header is never read: the peer keeps its own
// address and the PROXY line reaches the handler as data.
func TestProxyProtocolIgnoresUntrustedPeers(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami),
		ProxyProtocol: ProxyProtocol{Trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}}
	addr := seamtest.Start(t, s).Addr
	c := seamtest.Dial(t, addr)
	sendHeader(t, c, 1, "203.0.113.9:4711")
	line, br := readLine(t, c)
	if line != c.LocalAddr().String()+"\n" {
		t.Fatalf("RemoteAddr = %q; want the peer's own %v", line, c.LocalAddr())
	}
	echoed, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(echoed, "PROXY TCP4 203.0.113.9 ") {
		t.Fatalf("echoed %q, %v; want the PROXY line as data", echoed, err)
	}
}

// A trusted peer whose header is malformed, missing or late is closed
// before the handler, with a clear error, and counted; the other
// connections carry on. With Optional, a missing header is served with
// the peer's own address.
func TestProxyProtocolRefusesBadHeaders(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami), Logger: logs.Logger(),
		ProxyProtocol: ProxyProtocol{Trusted: loopback, HeaderTimeout: 50 * time.Millisecond}}
	addr := seamtest.Start(t, s).Addr
	good := seamtest.Dial(t, addr)
	sendHeader(t, good, 2, "198.51.100.1:1")
	readLine(t, good)

	for i, tc := range []struct{ name, send, want string }{
		{"malformed v1", "PROXY TCP4 not-an-ip 1.2.3.4 1 2\r\n", "invalid address"},
		{"truncated v2", string(proxyproto.SIGV2) + "\x21", "PROXY protocol header"},
		{"missing", "hello\r\n", "sent no header"},
		{"late", "", "no header within 50ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := seamtest.Dial(t, addr)
			io.WriteString(c, tc.send)
			c.SetReadDeadline(time.Now().Add(seamtest.Wait))
			if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
				t.Fatalf("read %q, %v; want the connection closed without an answer", b, err)
			}
			seamtest.Eventually(t, "ProxyHeaderErrors counted", func() bool {
				return s.Stats().ProxyHeaderErrors == uint64(i+1)
			})
			if i == 0 || i == 1 || i == 3 { // the rate limit logs the 1st, 2nd, 4th
				ev := logs.Events("PROXY protocol header refused")
				msg, _ := ev[len(ev)-1]["error"].(string)
				if !strings.Contains(msg, errProxyHeader.Error()) || !strings.Contains(msg, tc.want) {
					t.Fatalf("logged error %q; want %q and %q", msg, errProxyHeader, tc.want)
				}
			}
		})
	}
	seamtest.WantEcho(t, good, "still served")

	t.Run("optional", func(t *testing.T) {
		s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami),
			ProxyProtocol: ProxyProtocol{Trusted: loopback, Optional: true}}
		c := seamtest.Dial(t, seamtest.Start(t, s).Addr)
		io.WriteString(c, "hello\n")
		line, br := readLine(t, c)
		if line != c.LocalAddr().String()+"\n" {
			t.Fatalf("RemoteAddr = %q; want the peer's own %v", line, c.LocalAddr())
		}
		if echoed, err := br.ReadString('\n'); echoed != "hello\n" {
			t.Fatalf("echoed %q, %v; want the first bytes kept", echoed, err)
		}
	})
}

// MaxConnsPerIP counts the clients behind a balancer, not the balancer:
// two clients through one peer are served, a second connection of one
// client is rejected through Reject, which sees the client's address.
func TestProxyProtocolMaxConnsPerIP(t *testing.T) {
	reject := HandlerFunc(func(_ context.Context, c net.Conn) error {
		_, err := io.WriteString(c, "busy "+c.RemoteAddr().String()+"\n")
		return err
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami), MaxConnsPerIP: 1, Reject: reject,
		ProxyProtocol: ProxyProtocol{Trusted: loopback}}
	addr := seamtest.Start(t, s).Addr
	for _, client := range []string{"198.51.100.1:1", "198.51.100.2:1"} {
		c := seamtest.Dial(t, addr)
		sendHeader(t, c, 2, client)
		if line, _ := readLine(t, c); line != client+"\n" {
			t.Fatalf("RemoteAddr = %q; want %s", line, client)
		}
	}
	c := seamtest.Dial(t, addr)
	sendHeader(t, c, 2, "198.51.100.1:2")
	line, br := readLine(t, c)
	if line != "busy 198.51.100.1:2\n" {
		t.Fatalf("second connection of one client: %q; want Reject's answer", line)
	}
	expectEnd(t, br)
	if st := s.Stats(); st.RejectedPerIP != 1 {
		t.Fatalf("RejectedPerIP = %d; want 1", st.RejectedPerIP)
	}
}

func TestProxyProtocolConfig(t *testing.T) {
	for _, p := range []ProxyProtocol{
		{Optional: true},
		{Trusted: loopback, HeaderTimeout: -1},
		{Trusted: []netip.Prefix{{}}},
	} {
		s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), ProxyProtocol: p}
		if err := s.Serve(context.Background()); !errors.Is(err, supervisor.ErrBadConfig) {
			t.Errorf("%+v: Serve = %v; want supervisor.ErrBadConfig", p, err)
		}
	}
	have, err := ParsePrefixes("10.0.0.0/8, 192.0.2.7,::1,::ffff:192.0.2.8")
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.0.2.8/32")}
	if err != nil || fmt.Sprint(have) != fmt.Sprint(want) {
		t.Fatalf("ParsePrefixes = %v, %v; want %v", have, err, want)
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("ParsePrefixes of a bad prefix: %v; want supervisor.ErrBadConfig", err)
	}
}

// HAProxy in TCP mode with send-proxy-v2 in front of a listener: the
// handler sees the address of the client that dialled HAProxy.
func TestProxyProtocolBehindHAProxy(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install haproxy); skipping the test behind a real balancer")
	}
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami), ProxyProtocol: ProxyProtocol{Trusted: loopback}}
	backend := seamtest.Start(t, s).Addr

	// The frontend's port: one the kernel chose a moment ago.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := l.Addr().String()
	l.Close()
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend fe
	bind %s
	default_backend be
backend be
	server seam %s send-proxy-v2
`, front, backend)), 0o600)
	cmd := exec.Command(bin, "-db", "-f", cfg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start haproxy: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	var c net.Conn
	seamtest.Eventually(t, "haproxy accepting", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("haproxy exited: %v\n%s", err, out.String())
		default:
		}
		c, err = net.Dial("tcp", front)
		return err == nil
	})
	defer c.Close()
	line, _ := readLine(t, c)
	if line != c.LocalAddr().String()+"\n" {
		t.Fatalf("behind haproxy RemoteAddr = %q; want the client's %v", line, c.LocalAddr())
	}
	seamtest.WantEcho(t, c, "through haproxy")
}

// The bytes a balancer sends in the same segment as the header reach the
// handler; a LOCAL header (a health check) keeps the peer's address.
func TestProxyProtocolKeepsWhatFollowsTheHeader(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami), ProxyProtocol: ProxyProtocol{Trusted: loopback}}
	addr := seamtest.Start(t, s).Addr

	c := seamtest.Dial(t, addr)
	src := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.9:4711"))
	b, err := proxyproto.HeaderProxyFromAddrs(2, src, c.RemoteAddr()).Format()
	if err != nil {
		t.Fatal(err)
	}
	c.Write(append(b, "same segment\n"...))
	line, br := readLine(t, c)
	if echoed, err := br.ReadString('\n'); line != "203.0.113.9:4711\n" || echoed != "same segment\n" {
		t.Fatalf("read %q then %q, %v; want the client and the bytes after the header", line, echoed, err)
	}

	local := seamtest.Dial(t, addr)
	h := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	if _, err := h.WriteTo(local); err != nil {
		t.Fatal(err)
	}
	if line, _ := readLine(t, local); line != local.LocalAddr().String()+"\n" {
		t.Fatalf("LOCAL header: RemoteAddr = %q; want the peer's own %v", line, local.LocalAddr())
	}
}

// A stop cuts the wait for a header short, and is not counted as a bad
// header.
func TestProxyProtocolStopCutsTheHeaderWait(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(whoami),
		ProxyProtocol: ProxyProtocol{Trusted: loopback, HeaderTimeout: time.Hour}}
	served := seamtest.Start(t, s)
	seamtest.Dial(t, served.Addr)
	seamtest.Eventually(t, "the connection waiting for its header", func() bool { return s.Stats().Active == 1 })
	if err := served.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if st := s.Stats(); st.ProxyHeaderErrors != 0 || st.ForceClosed != 0 {
		t.Fatalf("ProxyHeaderErrors = %d, ForceClosed = %d; want the stop to end the wait, uncounted", st.ProxyHeaderErrors, st.ForceClosed)
	}
}
