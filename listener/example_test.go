package listener_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// A listener is a suture service: add it to a supervisor beside the rest
// of the program, wait until it is ready, and stop it by cancelling the
// supervisor's ctx.
func ExampleServer() {
	upper := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		_, err = io.WriteString(conn, strings.ToUpper(line))
		return err
	})
	srv := &listener.Server{Name: "upper", Addr: "127.0.0.1:0", Handler: upper}

	root := supervisor.New("app", supervisor.Config{})
	root.Add(srv)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := root.ServeBackground(ctx)
	<-srv.Ready()

	fmt.Print(ask(srv.BoundAddr(), "hello, tree"))
	cancel()
	<-stopped
	fmt.Println("accepted:", srv.Stats().Accepted)
	// Output:
	// HELLO, TREE
	// accepted: 1
}

// A handler that watches its ctx lets a graceful stop end it at once when
// it is waiting for the next request, instead of holding the stop until the
// drain timeout closes its connection by force.
func ExampleHandlerFunc() {
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		// Cut a pending read short when the listener stops.
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(aLongTimeAgo) })
		defer stop()
		_, err := io.Copy(conn, conn)
		return err
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: echo, DrainTimeout: time.Hour}
	stop := serve(srv)

	conn, err := net.Dial("tcp", srv.BoundAddr().String())
	if err != nil {
		fmt.Println(err)
		stop()
		return
	}
	defer conn.Close()
	fmt.Fprintln(conn, "hello")
	r := bufio.NewReader(conn)
	line, _ := r.ReadString('\n')
	fmt.Print(line)

	// The client is idle: the stop does not wait for the hour.
	fmt.Println("Serve:", stop())
	_, err = r.ReadString('\n')
	fmt.Println("client:", err)
	// Output:
	// hello
	// Serve: <nil>
	// client: EOF
}

// A Server with a TLSConfig serves TLS: each connection's handshake runs on
// the connection's own goroutine, at the handler's first Read or Write, so
// a slow client never holds up the accept loop. The handler sees a
// *tls.Conn.
func ExampleServer_tls() {
	serverTLS, clientTLS := selfSigned()
	hello := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		tc := conn.(*tls.Conn)
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		_, err := fmt.Fprintf(conn, "hello over %s\n", tls.VersionName(tc.ConnectionState().Version))
		return err
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: hello, TLSConfig: serverTLS}
	stop := serve(srv)

	fmt.Print(firstLine(tls.Dial("tcp", srv.BoundAddr().String(), clientTLS)))
	fmt.Println("Serve:", stop())
	// Output:
	// hello over TLS 1.3
	// Serve: <nil>
}

// A unix socket is Network "unix" and the socket's path in Addr. A socket
// file left behind by a dead process is removed before the bind; one that
// a live process still serves is an error (ErrSocketInUse).
func ExampleServer_unix() {
	dir, err := os.MkdirTemp("", "seam-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kv.sock")

	where := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		_, err := fmt.Fprintf(conn, "served on %s\n", filepath.Base(conn.LocalAddr().String()))
		return err
	})
	srv := &listener.Server{Network: "unix", Addr: path, Handler: where}
	stop := serve(srv)

	fmt.Print(firstLine(net.Dial("unix", path)))
	fmt.Println("Serve:", stop())
	// Output:
	// served on kv.sock
	// Serve: <nil>
}

// MaxConns caps the connections open at once. By default a client over the
// cap is answered at once, through Reject, and closed, rather than left
// hanging in the kernel's backlog; the answer is the protocol's "busy".
func ExampleServer_maxConns() {
	hold := make(chan struct{})
	srv := &listener.Server{
		Addr:     "127.0.0.1:0",
		MaxConns: 1,
		Handler: listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
			fmt.Fprintln(conn, "welcome")
			<-hold // keep the only slot until the example lets go
			return nil
		}),
		Reject: listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
			_, err := fmt.Fprintln(conn, "busy: try again later")
			return err
		}),
	}
	stop := serve(srv)

	addr := srv.BoundAddr().String()
	fmt.Print("first: ", firstLine(net.Dial("tcp", addr)))  // takes the slot
	fmt.Print("second: ", firstLine(net.Dial("tcp", addr))) // over the cap: answered at once
	close(hold)
	stop()
	fmt.Println("rejected:", srv.Stats().Rejected)
	// Output:
	// first: welcome
	// second: busy: try again later
	// rejected: 1
}

// selfSigned makes a throwaway certificate for 127.0.0.1 and the client
// configuration that trusts it. A test would call seamtest.TLS instead.
func selfSigned() (server, client *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// serve runs srv until the returned stop is called, and returns once srv
// is ready. stop cancels Serve's ctx and returns what Serve returned.
func serve(srv *listener.Server) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	<-srv.Ready()
	return func() error {
		cancel()
		return <-served
	}
}

// firstLine reads the first line that the server sends on a new conn and
// closes it; it gives the dial's error, as a line, when there is no conn.
// It takes a dial's results as they come: firstLine(net.Dial(...)).
func firstLine(conn net.Conn, err error) string {
	if err != nil {
		return err.Error() + "\n"
	}
	defer conn.Close()
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return line
}

// ask sends line to the server at addr on a new connection and returns
// the line it answers, or the dial's error as a line.
func ask(addr net.Addr, line string) string {
	conn, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		return err.Error() + "\n"
	}
	defer conn.Close()
	fmt.Fprintln(conn, line)
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	return reply
}

// aLongTimeAgo is a deadline already past: setting it makes a blocked
// read return at once.
var aLongTimeAgo = time.Unix(1, 0)

var _ suture.Service = (*listener.Server)(nil)

// A handler whose idle connections hold no buffer: it waits for the next
// bytes with WaitReadable, takes a buffer from a pool only to read and
// answer them, and gives it back before it waits again. 10,000 quiet
// clients then cost 10,000 goroutines, not 10,000 buffers as well.
func ExampleWaitReadable() {
	buffers := sync.Pool{New: func() any { return new([4096]byte) }}
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		for {
			if err := listener.WaitReadable(conn); err != nil {
				return err
			}
			buf := buffers.Get().(*[4096]byte)
			n, err := conn.Read(buf[:])
			if n > 0 {
				_, err = conn.Write(buf[:n])
			}
			buffers.Put(buf)
			if err != nil {
				return err
			}
		}
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: echo, DrainTimeout: time.Millisecond}
	stop := serve(srv)

	fmt.Print(ask(srv.BoundAddr(), "quiet, then this"))
	fmt.Println("serve:", stop())
	// Output:
	// quiet, then this
	// serve: <nil>
}

// Suspend stops accepting for a maintenance window while the socket stays
// bound: a client that connects meanwhile waits in the kernel's backlog,
// and is served once Resume lets the acceptor take it.
func ExampleServer_Suspend() {
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		_, err = io.WriteString(conn, line)
		return err
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: echo}
	stop := serve(srv)

	defer stop()

	srv.Suspend()
	conn, err := net.Dial("tcp", srv.BoundAddr().String())
	if err != nil {
		fmt.Println(err) // not what happens: the socket is bound
		return
	}
	defer conn.Close()
	fmt.Fprintln(conn, "waited in the backlog")
	fmt.Println("suspended:", srv.Stats().Suspended, "accepted:", srv.Stats().Accepted)

	srv.Resume()
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(reply)
	fmt.Println("suspended:", srv.Stats().Suspended, "accepted:", srv.Stats().Accepted)
	// Output:
	// suspended: 1 accepted: 0
	// waited in the backlog
	// suspended: 0 accepted: 1
}
