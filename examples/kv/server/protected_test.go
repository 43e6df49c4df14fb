package server

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener"
)

func protected(c *Config) { c.ProtectedMode = true }

// fromOtherHost connects to addr's port from 127.0.0.2, which Redis
// treats as another host, sends send, and returns all it reads until the
// server closes the connection. A client denied sends nothing: the
// server answers at once, and bytes it never read would make its close a
// reset.
func fromOtherHost(t *testing.T, addr string, send string) string {
	t.Helper()
	_, port := hostPort(t, addr)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if send != "" {
		if _, err := io.WriteString(nc, send); err != nil {
			t.Fatal(err)
		}
	}
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("reading until the server closes: %v (read %q)", err, out)
	}
	return string(out)
}

// TestProtectedModeLikeRedis binds every interface with protected mode on
// and no password, as redis-server does by default: a client from another
// host gets DENIED and the connection ends, as from redis-server; a local
// one is served.
func TestProtectedModeLikeRedis(t *testing.T) {
	port := kvtest.FreePort(t)
	startRedis(t, "--port", port, "--bind", "0.0.0.0", "--protected-mode", "yes")
	redisOut := fromOtherHost(t, "127.0.0.1:"+port, "")
	if !strings.HasPrefix(redisOut, "-DENIED Redis is running in protected mode") || strings.Count(redisOut, "\r\n") != 1 {
		t.Fatalf("redis-server answered a remote client %q", redisOut)
	}

	ts := startServer(t, serverOpts{addr: "0.0.0.0:0", config: protected})
	if have := fromOtherHost(t, ts.addr, ""); have != "-"+errDenied+"\r\n" {
		t.Errorf("kv answered a remote client %q", have)
	}
	_, kvPort := hostPort(t, ts.addr)
	nc, err := net.Dial("tcp", "127.0.0.1:"+kvPort)
	if err != nil {
		t.Fatal(err)
	}
	local := respclient.New(nc)
	defer local.Close()
	if have := do(t, local, "PING"); have != `"PONG"` {
		t.Errorf("a local client got %s", have)
	}
	if have := do(t, local, "INFO", "stats"); !strings.Contains(have, `protected_mode_denied:1\r\n`) {
		t.Errorf("INFO does not count the denied client: %s", have)
	}
}

// TestProtectedModeOff and with a password: a remote client is served,
// or asked for the password.
func TestProtectedModeOffOrPassword(t *testing.T) {
	off := startServer(t, serverOpts{addr: "0.0.0.0:0"})
	if have := fromOtherHost(t, off.addr, "PING\r\nQUIT\r\n"); have != "+PONG\r\n+OK\r\n" {
		t.Errorf("-protected-mode no: a remote client got %q", have)
	}
	pw := startServer(t, serverOpts{addr: "0.0.0.0:0", config: func(c *Config) {
		protected(c)
		withPassword(testPassword)(c)
	}})
	if have := fromOtherHost(t, pw.addr, "PING\r\nAUTH "+testPassword+"\r\nPING\r\nQUIT\r\n"); have != "-"+errNoAuth+"\r\n+OK\r\n+PONG\r\n+OK\r\n" {
		t.Errorf("with a password: a remote client got %q", have)
	}
}

// TestProtectedModeBehindProxy: behind a trusted balancer the client is
// the one its PROXY header names, so a remote client relayed from
// 127.0.0.1 is denied, and a local one served.
func TestProtectedModeBehindProxy(t *testing.T) {
	ts := startServer(t, serverOpts{config: protected, listener: func(ln *listener.Server) {
		ln.ProxyProtocol = listener.ProxyProtocol{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	}})
	// The denied client sends only its header, as in fromOtherHost.
	for _, tc := range []struct{ header, commands, want string }{
		{"PROXY TCP4 203.0.113.7 127.0.0.1 40000 6380\r\n", "", "-" + errDenied + "\r\n"},
		{"PROXY TCP4 127.0.0.1 127.0.0.1 40000 6380\r\n", "PING\r\nQUIT\r\n", "+PONG\r\n+OK\r\n"},
	} {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(nc, tc.header+tc.commands)
		out, err := io.ReadAll(nc)
		nc.Close()
		if err != nil || string(out) != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.header, out, err, tc.want)
		}
	}
}

// TestIsLocal is Redis's islocalClient: unix sockets, 127.0.0.1 and ::1
// only.
func TestIsLocal(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want bool
	}{
		{&net.UnixAddr{Name: "/tmp/kv.sock", Net: "unix"}, true},
		{&net.UnixAddr{Name: "", Net: "unix"}, true},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:5")), true},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:5")), true},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[::ffff:127.0.0.1]:5")), true},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.2:5")), false},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("10.1.2.3:5")), false},
		{net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[2001:db8::1]:5")), false},
		{nil, false},
	} {
		if have := isLocal(tc.addr); have != tc.want {
			t.Errorf("isLocal(%v) = %v, want %v", tc.addr, have, tc.want)
		}
	}
}
