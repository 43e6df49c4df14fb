package main

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener/seamtest"
)

// Behind a load balancer (-proxy-protocol), CLIENT LIST shows the client
// the balancer's PROXY header names, not the balancer.
func TestProxyProtocolClientList(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath = ""
	cfg.proxyTrusted = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	r := start(t, cfg)

	nc := seamtest.Dial(t, r.app.listener.BoundAddr())
	nc.SetDeadline(time.Now().Add(seamtest.Wait))
	client := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.9:4711"))
	if _, err := proxyproto.HeaderProxyFromAddrs(2, client, nc.RemoteAddr()).WriteTo(nc); err != nil {
		t.Fatal(err)
	}
	c := respclient.New(nc)
	if list := do(t, c, "CLIENT", "LIST"); !strings.Contains(list, " addr=203.0.113.9:4711 ") {
		t.Fatalf("CLIENT LIST = %s; want addr=203.0.113.9:4711", list)
	}
}
