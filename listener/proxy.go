package listener

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/seamgo/seam/supervisor"
)

// ProxyProtocol is a [Server]'s reading of PROXY protocol headers (v1 and
// v2, as HAProxy's send-proxy and send-proxy-v2 write them), so that
// behind a TCP load balancer RemoteAddr, the connection's log fields,
// MaxConnsPerIP and Reject see the client rather than the balancer. Its
// zero value reads no header.
//
// Only a peer in Trusted is read for a header. An untrusted peer is
// served as a direct client with its own address and its bytes are never
// interpreted: a PROXY line it sends reaches the Handler as data, so a
// client cannot claim another's address. A trusted peer must send a
// header (unless Optional): one that sends none, or a malformed one, or
// none within HeaderTimeout, is closed before the Handler, its error
// is logged (rate-limited, at warn) and
// Stats().ProxyHeaderErrors counts it. A header with the LOCAL command
// (a balancer's health check) or a non-TCP source leaves the peer's own
// address.
//
// The header is read on the connection's goroutine, never in the accept
// loop, before the TLS handshake: the balancer's header comes first, then
// the client's bytes, TLS included. Peers without an IP address (unix
// sockets) are never read for a header.
type ProxyProtocol struct {
	// Trusted are the balancers' addresses, as prefixes
	// (netip.MustParsePrefix("10.0.0.0/8"), or a /32 for one host); see
	// [ParsePrefixes]. Empty (the default) turns PROXY protocol off.
	// IPv4-mapped IPv6 peers are matched as IPv4.
	Trusted []netip.Prefix

	// HeaderTimeout bounds the wait for a trusted peer's header.
	// Default 5s.
	HeaderTimeout time.Duration

	// Optional lets a trusted peer send no header: it is then served
	// with its own address. The listener must wait for the first bytes
	// to tell, so with Optional a protocol in which the server speaks
	// first (SMTP, a greeting) waits up to HeaderTimeout for a client
	// behind no header. Default false: a missing header is an error, the
	// usual sign of a balancer not configured to send one.
	Optional bool
}

// defaultProxyHeaderTimeout is ProxyProtocol.HeaderTimeout's default.
const defaultProxyHeaderTimeout = 5 * time.Second

// errProxyHeader is wrapped by the logged error of a trusted peer's
// connection closed for its PROXY protocol header: malformed, missing, or
// not sent within HeaderTimeout. No caller receives it, so it is not
// exported: the log line and Stats.ProxyHeaderErrors are how it is seen.
var errProxyHeader = errors.New("listener: bad or missing PROXY protocol header")

// ParsePrefixes parses a comma-separated list of CIDR prefixes and bare
// IP addresses (a bare address is its own /32 or /128), for
// ProxyProtocol.Trusted from a flag: "10.0.0.0/8,192.0.2.7".
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("listener: %w: %w", supervisor.ErrBadConfig, err)
			}
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("listener: %w: %w", supervisor.ErrBadConfig, err)
		}
		a = a.Unmap()
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

// proxyPolicy is a ProxyProtocol resolved for one Serve.
type proxyPolicy struct {
	trusted  []netip.Prefix
	timeout  time.Duration
	optional bool
}

// resolve validates p; it returns nil when p reads no header.
func (p ProxyProtocol) resolve() (*proxyPolicy, error) {
	if len(p.Trusted) == 0 {
		if p.HeaderTimeout != 0 || p.Optional {
			return nil, errors.New("ProxyProtocol has HeaderTimeout or Optional but no Trusted prefixes")
		}
		return nil, nil
	}
	pp := &proxyPolicy{timeout: p.HeaderTimeout, optional: p.Optional}
	if pp.timeout < 0 {
		return nil, fmt.Errorf("ProxyProtocol.HeaderTimeout is %v; want 0 (the default) or more", pp.timeout)
	}
	if pp.timeout == 0 {
		pp.timeout = defaultProxyHeaderTimeout
	}
	for _, t := range p.Trusted {
		if !t.IsValid() {
			return nil, fmt.Errorf("ProxyProtocol.Trusted has an invalid prefix %v", t)
		}
		if t.Addr().Is4In6() && t.Bits() >= 96 {
			t = netip.PrefixFrom(t.Addr().Unmap(), t.Bits()-96)
		}
		pp.trusted = append(pp.trusted, t.Masked())
	}
	return pp, nil
}

// trusts reports whether nc's peer may send a header.
func (p *proxyPolicy) trusts(nc net.Conn) bool {
	tcp, ok := nc.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return false
	}
	ip := tcp.AddrPort().Addr().Unmap()
	for _, t := range p.trusted {
		if t.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyConn is a trusted peer's socket, whose PROXY header it reads and
// whose RemoteAddr it then reports as the header's source.
type proxyConn struct {
	net.Conn
	br     *bufio.Reader // holds what was read past the header; nil once drained
	client atomic.Pointer[net.TCPAddr]
}

// readHeader reads the header within the policy's timeout, or until ctx
// ends, and leaves the socket's deadline clear.
func (c *proxyConn) readHeader(ctx context.Context, p *proxyPolicy) error {
	c.SetReadDeadline(time.Now().Add(p.timeout))
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(aLongTimeAgo) })
	defer stop()
	c.br = bufio.NewReaderSize(c.Conn, 256)
	h, err := proxyproto.Read(c.br)
	if !stop() {
		return context.Cause(ctx)
	}
	switch {
	case errors.Is(err, proxyproto.ErrNoProxyProtocol) && p.optional:
		err = nil
	case errors.Is(err, proxyproto.ErrNoProxyProtocol):
		err = errors.New("the trusted peer sent no header")
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("no header within %v", p.timeout)
	}
	if err != nil {
		return fmt.Errorf("%w from %v: %w", errProxyHeader, c.Conn.RemoteAddr(), err)
	}
	c.SetReadDeadline(time.Time{})
	if h != nil && h.Command.IsProxy() {
		if src, _, ok := h.TCPAddrs(); ok {
			c.client.Store(src)
		}
	}
	return nil
}

// Read reads what the header's parse read past it first.
func (c *proxyConn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		c.br = nil
	}
	return c.Conn.Read(p)
}

// RemoteAddr is the client's address from the header, or the peer's.
func (c *proxyConn) RemoteAddr() net.Addr {
	if a := c.client.Load(); a != nil {
		return a
	}
	return c.Conn.RemoteAddr()
}

// NetConn returns the accepted socket, whose RemoteAddr is the balancer's.
func (c *proxyConn) NetConn() net.Conn { return c.Conn }
