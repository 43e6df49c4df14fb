package listener_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/listener"
)

// A CertReloader serves the certificate of a cert and key file pair, and
// a renewed pair once Reload (or its Serve, polling the files) has loaded
// it: new handshakes get the new certificate, without a restart. A program
// would call Reload on SIGHUP, or run the reloader as a service beside the
// Server.
func ExampleCertReloader() {
	dir, _ := os.MkdirTemp("", "certs")
	defer os.RemoveAll(dir)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(certFile, keyFile)

	certs, err := listener.NewCertReloader(certFile, keyFile, zerolog.Nop())
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &listener.Server{
		Addr:      "127.0.0.1:0",
		TLSConfig: &tls.Config{GetCertificate: certs.GetCertificate},
		Handler: listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
			_, err := io.Copy(io.Discard, conn)
			return err
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	<-srv.Ready()

	first := presented(srv.BoundAddr())
	renewed := writePair(certFile, keyFile) // as a renewal would
	if err := certs.Reload(); err != nil {
		fmt.Println(err)
	}
	fmt.Println("new handshakes get the renewed certificate:", bytes.Equal(presented(srv.BoundAddr()), renewed))
	fmt.Println("and not the first:", !bytes.Equal(first, renewed))

	cancel()
	<-served
	// Output:
	// new handshakes get the renewed certificate: true
	// and not the first: true
}

// writePair writes a fresh self-signed certificate and its key as PEM
// files and returns the certificate's DER bytes.
func writePair(certFile, keyFile string) []byte {
	server, _ := selfSigned()
	cert := server.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		panic(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	return cert.Certificate[0]
}

// presented returns the certificate a TLS handshake with addr presents.
func presented(addr net.Addr) []byte {
	conn, err := tls.Dial("tcp", addr.String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Raw
}
