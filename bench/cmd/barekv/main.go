// Command barekv is the baseline of seam's benchmarks: the kv example's
// store and RESP handler served by a plain net.Listener accept loop, one
// goroutine per connection, no supervision (package bench/internal/bare).
// seam's overhead is its ratio to this.
//
// With -tls-cert-file and -tls-key-file it serves TLS instead, through
// crypto/tls's own listener with the kv example's settings (TLS 1.2 and
// up), each handshake on its connection's goroutine at its first read:
// the baseline of the tls workload.
//
// It speaks the harness's control protocol on stdin and stdout (package
// bench/internal/ctl); logs go to stderr.
//
//	barekv -addr 127.0.0.1:0
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/seamgo/seam/bench/internal/bare"
	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	track := flag.Bool("track", true, "time the handlers, for the graceful stop figures")
	certFile := flag.String("tls-cert-file", "", "PEM certificate: serve TLS with it and -tls-key-file")
	keyFile := flag.String("tls-key-file", "", "PEM private key of -tls-cert-file")
	flag.Parse()
	if err := run(*addr, *track, *certFile, *keyFile); err != nil {
		fmt.Fprintln(os.Stderr, "barekv:", err)
		os.Exit(1)
	}
}

func run(addr string, track bool, certFile, keyFile string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	var h listener.Handler = server.New(server.Config{Store: store.New(nil)})
	var tr *ctl.Tracker
	if track {
		tr = ctl.NewTracker()
		h = tr.Wrap(h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	go func() {
		if err := bare.Serve(ctx, ln, h); err != nil {
			fmt.Fprintln(os.Stderr, "barekv: serve:", err)
		}
		done <- time.Now()
	}()
	stop := func() time.Time {
		cancel()
		return <-done
	}
	return ctl.Serve(os.Stdin, os.Stdout, ctl.Server{Addr: ln.Addr().String(), Tracker: tr, Stop: stop})
}
