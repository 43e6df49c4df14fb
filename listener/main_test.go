package listener

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor is how long a test waits for something that should happen at
// once; it is generous so that a loaded CI machine does not fail tests.
const waitFor = 10 * time.Second

// serve runs s until the returned stop is called (or the test ends) and
// returns once s is accepting.
//
// stop may be called from any goroutine: it reports a Serve that does not
// return as an error rather than failing the test itself. The cleanup
// waits for Serve too, so no test ends while its Serve runs.
func serve(t *testing.T, s *Server) (addr net.Addr, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	select {
	case <-s.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Serve returned before it was ready: %v", err)
	case <-time.After(waitFor):
		cancel()
		<-done
		t.Fatal("server not ready")
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(waitFor):
				err = errServeStuck
			}
		})
		return err
	}
	t.Cleanup(func() {
		if stop() == errServeStuck {
			t.Error(errServeStuck)
			<-done
		}
	})
	return s.BoundAddr(), stop
}

var errServeStuck = fmt.Errorf("Serve did not return within %v of its ctx's cancel", waitFor)

// echo answers each line with itself. It watches ctx the way a handler
// should: when the listener stops, a pending read is cut short, while a
// reply already started is written in full.
func echo(ctx context.Context, c net.Conn) error {
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if _, err := io.WriteString(c, line); err != nil {
			return err
		}
	}
}

// roundTrip sends a line and reads the answer.
func roundTrip(t *testing.T, c net.Conn, line string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	have, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read answer to %q: %v", line, err)
	}
	return strings.TrimSuffix(have, "\n")
}

func mustEcho(t *testing.T, c net.Conn, line string) {
	t.Helper()
	if have := roundTrip(t, c, line); have != line {
		t.Fatalf("echo: want %q, have %q", line, have)
	}
}

// A transport is one of the ways a listener serves: the tests of the core
// behaviours run over each.
type transport struct {
	name  string
	setup func(t *testing.T, s *Server)
	dial  func(t *testing.T, addr net.Addr) net.Conn
}

// dial connects to addr; the connection is closed when the test ends.
func dial(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), waitFor)
	if err != nil {
		t.Fatalf("dial %v: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func transports() []transport {
	return []transport{
		{
			name:  "tcp",
			setup: func(t *testing.T, s *Server) { s.Addr = "127.0.0.1:0" },
			dial:  dial,
		},
		{
			name: "unix",
			setup: func(t *testing.T, s *Server) {
				s.Network = "unix"
				s.Addr = socketPath(t)
			},
			dial: dial,
		},
		{
			name: "tls",
			setup: func(t *testing.T, s *Server) {
				s.Addr = "127.0.0.1:0"
				s.TLSConfig = serverTLS(t)
			},
			dial: func(t *testing.T, addr net.Addr) net.Conn {
				t.Helper()
				d := &net.Dialer{Timeout: waitFor}
				c, err := tls.DialWithDialer(d, "tcp", addr.String(), clientTLS(t))
				if err != nil {
					t.Fatalf("dial tls %v: %v", addr, err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
		},
	}
}

// socketPath returns a short path for a unix socket: sun_path holds about
// 100 bytes, which a test's TempDir can exceed.
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "seam")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

var (
	certOnce sync.Once
	certPEM  tls.Certificate
	certPool *x509.CertPool
	certErr  error
)

func testCert(t *testing.T) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "seam test"},
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			certErr = err
			return
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			certErr = err
			return
		}
		certPEM = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
		certPool = x509.NewCertPool()
		certPool.AddCert(leaf)
	})
	if certErr != nil {
		t.Fatal(certErr)
	}
}

func serverTLS(t *testing.T) *tls.Config {
	testCert(t)
	return &tls.Config{Certificates: []tls.Certificate{certPEM}}
}

func clientTLS(t *testing.T) *tls.Config {
	testCert(t)
	return &tls.Config{RootCAs: certPool, ServerName: "127.0.0.1"}
}

// logBuffer collects zerolog's JSON lines from many goroutines, and lets
// a test wait for a line: a log line is the event that marks many of the
// listener's steps.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced at every Write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// await waits until a line whose message contains msg has been logged.
func (b *logBuffer) await(t *testing.T, msg string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		b.mu.Lock()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		b.mu.Unlock()
		if len(b.entries(t, msg)) > 0 {
			return
		}
		select {
		case <-written:
		case <-deadline:
			t.Fatalf("no log line %q within %v", msg, waitFor)
		}
	}
}

func (b *logBuffer) logger() zerolog.Logger { return zerolog.New(b).Level(zerolog.DebugLevel) }

// entries returns the logged lines whose message contains msg ("" for all).
func (b *logBuffer) entries(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if s, _ := m["message"].(string); strings.Contains(s, msg) {
			out = append(out, m)
		}
	}
	return out
}

// expectClosed checks that the server closed c: a read returns EOF or a
// reset rather than timing out.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitFor))
	_, err := c.Read(make([]byte, 1))
	if err == nil {
		t.Fatal("read on a connection the server should have closed returned data")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open: read timed out")
	}
}
