package listener

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// certFiles is a cert and key file pair that a test rewrites.
type certFiles struct{ cert, key string }

func newCertFiles(t *testing.T) certFiles {
	dir := t.TempDir()
	return certFiles{filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
}

// write puts a fresh throwaway certificate in the files and returns its
// DER bytes.
func (f certFiles) write(t *testing.T) []byte {
	t.Helper()
	server, _ := seamtest.TLS(t)
	cert := server.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	writeFile(t, f.key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}))
	return cert.Certificate[0]
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// servedBy starts a TLS echo server whose certificate comes from r.
func servedBy(t *testing.T, r *CertReloader) *seamtest.Served {
	t.Helper()
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo),
		TLSConfig: &tls.Config{GetCertificate: r.GetCertificate}}
	return seamtest.Start(t, s)
}

// handshake dials served over TLS and returns the connection and the
// certificate the server presented. The client checks nothing: the test
// compares the certificate itself.
func handshake(t *testing.T, served *seamtest.Served) (*tls.Conn, []byte) {
	t.Helper()
	c := tls.Client(seamtest.Dial(t, served.Addr), &tls.Config{InsecureSkipVerify: true})
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return c, c.ConnectionState().PeerCertificates[0].Raw
}

// Reload makes new handshakes get the new certificate while a connection
// made before keeps working; a bad pair keeps the previous certificate
// and is logged.
func TestCertReloaderReload(t *testing.T) {
	files := newCertFiles(t)
	first := files.write(t)
	logs := seamtest.NewLogs(t)
	r, err := NewCertReloader(files.cert, files.key, logs.Logger())
	if err != nil {
		t.Fatal(err)
	}
	served := servedBy(t, r)
	before, have := handshake(t, served)
	if !bytes.Equal(have, first) {
		t.Fatal("the first handshake did not get the loaded certificate")
	}

	second := files.write(t)
	if err := r.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if _, have := handshake(t, served); !bytes.Equal(have, second) {
		t.Fatal("a handshake after Reload did not get the new certificate")
	}
	seamtest.WantEcho(t, before, "the connection made before the reload")

	writeFile(t, files.key, []byte("not a key"))
	if err := r.Reload(); !errors.Is(err, ErrCertReload) {
		t.Fatalf("Reload of a bad key: %v; want ErrCertReload", err)
	}
	if len(logs.Events("TLS certificate reload failed")) != 1 {
		t.Errorf("the failed reload was not logged once: %v", logs.Events(""))
	}
	if _, have := handshake(t, served); !bytes.Equal(have, second) {
		t.Fatal("after a failed Reload the handshake did not get the previous certificate")
	}
}

// As a service, the reloader picks up renewed files by itself.
func TestCertReloaderServeReloadsOnChange(t *testing.T) {
	files := newCertFiles(t)
	files.write(t)
	logs := seamtest.NewLogs(t)
	r, err := NewCertReloader(files.cert, files.key, logs.Logger())
	if err != nil {
		t.Fatal(err)
	}
	r.PollInterval = 5 * time.Millisecond // the test waits for the reload, not for a time
	served := servedBy(t, r)
	seamtest.Start(t, r)

	renewed := files.write(t)
	seamtest.Eventually(t, "the renewed certificate to be loaded", func() bool {
		cert, _ := r.GetCertificate(nil)
		return bytes.Equal(cert.Certificate[0], renewed)
	})
	if _, have := handshake(t, served); !bytes.Equal(have, renewed) {
		t.Fatal("a handshake after the files changed did not get the new certificate")
	}
}

func TestNewCertReloaderRefusesABadPair(t *testing.T) {
	files := newCertFiles(t)
	if _, err := NewCertReloader(files.cert, files.key, seamtest.NewLogs(t).Logger()); !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("missing files: %v; want supervisor.ErrBadConfig", err)
	}
}
