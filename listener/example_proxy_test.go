package listener_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/pires/go-proxyproto"

	"github.com/seamgo/seam/listener"
)

// Behind a TCP load balancer that sends a PROXY protocol header
// (HAProxy's send-proxy-v2), the handler sees the client's address. Here
// the test plays the balancer, from loopback, which the listener trusts.
func ExampleProxyProtocol() {
	trusted, _ := listener.ParsePrefixes("127.0.0.0/8")
	srv := &listener.Server{
		Addr:          "127.0.0.1:0",
		ProxyProtocol: listener.ProxyProtocol{Trusted: trusted},
		Handler: listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
			_, err := io.WriteString(conn, "you are "+conn.RemoteAddr().String()+"\n")
			return err
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	<-srv.Ready()

	if conn, err := net.Dial("tcp", srv.BoundAddr().String()); err != nil {
		fmt.Println(err)
	} else {
		client := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.9:4711"))
		proxyproto.HeaderProxyFromAddrs(2, client, conn.RemoteAddr()).WriteTo(conn)
		reply, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Print(reply)
		conn.Close()
	}

	cancel()
	<-served
	// Output:
	// you are 203.0.113.9:4711
}
