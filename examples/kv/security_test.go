package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// pki is a throwaway certificate authority, made for one test in its
// temporary directory: nothing of it is committed.
type pki struct {
	t      *testing.T
	dir    string
	caFile string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	serial int64
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{t: t, dir: t.TempDir()}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.caKey = key
	p.ca = p.sign(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kv test CA"},
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, key, nil)
	p.caFile = filepath.Join(p.dir, "ca.pem")
	writePEM(t, p.caFile, "CERTIFICATE", p.ca.Raw)
	return p
}

// sign issues tmpl for key's public half, signed by the CA (or by itself
// when parent is nil: the CA's own certificate).
func (p *pki) sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate) *x509.Certificate {
	p.t.Helper()
	p.serial++
	tmpl.SerialNumber = big.NewInt(p.serial)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, p.caKey)
	if err != nil {
		p.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		p.t.Fatal(err)
	}
	return cert
}

// issue writes a certificate for name and its key, for a server (for
// 127.0.0.1) or a client, and returns their paths and the certificate.
func (p *pki) issue(name string, usage x509.ExtKeyUsage) (certFile, keyFile string, cert *x509.Certificate) {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	cert = p.sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: name},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}, key, p.ca)
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		p.t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+".key")
	writePEM(p.t, certFile, "CERTIFICATE", cert.Raw)
	writePEM(p.t, keyFile, "EC PRIVATE KEY", der)
	return certFile, keyFile, cert
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	// Through a rename, so that a reloader never reads half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// startSecure starts kv with sec and waits until every listener serves.
func startSecure(t *testing.T, sec security, adjust ...func(*app)) *running {
	t.Helper()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath = ""
	cfg.sec = sec
	a := build(t, cfg)
	for _, f := range adjust {
		f(a)
	}
	r := serve(t, a)
	r.ready(t)
	for _, l := range []*listener.Server{a.tlsListener, a.unixListener} {
		if l != nil {
			seamtest.Recv(t, l.Ready(), l.String()+" to be ready")
		}
	}
	return r
}

// tool runs a Redis tool and returns its output and error.
func tool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not on PATH", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

func hostPortArgs(t *testing.T, addr net.Addr) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-h", host, "-p", port}
}

// TestTLSRedisCLI: redis-cli reaches the TLS port, verifying the
// certificate or not, while the plain port still serves.
func TestTLSRedisCLI(t *testing.T) {
	p := newPKI(t)
	cert, key, _ := p.issue("server", x509.ExtKeyUsageServerAuth)
	r := startSecure(t, security{tlsAddr: "127.0.0.1:0", tlsCertFile: cert, tlsKeyFile: key})
	at := hostPortArgs(t, r.app.tlsListener.BoundAddr())
	for _, how := range [][]string{{"--tls", "--cacert", p.caFile}, {"--tls", "--insecure"}} {
		out, err := tool(t, "redis-cli", append(append(at, how...), "PING")...)
		if err != nil || out != "PONG\n" {
			t.Errorf("redis-cli %q PING: %q, %v", how, out, err)
		}
	}
	if have := do(t, dial(t, r.addr), "PING"); have != `"PONG"` {
		t.Errorf("the plain port: %s", have)
	}
	if out, err := tool(t, "redis-cli", append(at, "PING")...); err == nil && out == "PONG\n" {
		t.Error("a client without TLS was served on the TLS port")
	}
}

// TestTLSClientCertificates: with a CA, -tls-auth-clients yes wants a
// client certificate from it, optional takes one or none, and a
// certificate from another CA is refused either way.
func TestTLSClientCertificates(t *testing.T) {
	p := newPKI(t)
	cert, key, _ := p.issue("server", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey, _ := p.issue("client", x509.ExtKeyUsageClientAuth)
	other := newPKI(t)
	strangerCert, strangerKey, _ := other.issue("stranger", x509.ExtKeyUsageClientAuth)
	for _, tc := range []struct {
		auth                       tls.ClientAuthType
		withCert, without, foreign bool // served?
	}{
		{tls.RequireAndVerifyClientCert, true, false, false},
		{tls.VerifyClientCertIfGiven, true, true, false},
	} {
		r := startSecure(t, security{tlsAddr: "127.0.0.1:0", tlsCertFile: cert, tlsKeyFile: key,
			tlsCAFile: p.caFile, tlsAuthClients: tc.auth})
		at := append(hostPortArgs(t, r.app.tlsListener.BoundAddr()), "--tls", "--cacert", p.caFile)
		for _, c := range []struct {
			name   string
			args   []string
			served bool
		}{
			{"with a certificate", []string{"--cert", clientCert, "--key", clientKey}, tc.withCert},
			{"without", nil, tc.without},
			{"from another CA", []string{"--cert", strangerCert, "--key", strangerKey}, tc.foreign},
		} {
			out, err := tool(t, "redis-cli", append(append(at, c.args...), "PING")...)
			if served := err == nil && out == "PONG\n"; served != c.served {
				t.Errorf("%v, %s: served %v (%q, %v), want %v", tc.auth, c.name, served, out, err, c.served)
			}
		}
		r.stop()
	}
}

// TestTLSRedisBenchmark runs redis-benchmark over TLS, plain and
// pipelined.
func TestTLSRedisBenchmark(t *testing.T) {
	p := newPKI(t)
	cert, key, _ := p.issue("server", x509.ExtKeyUsageServerAuth)
	r := startSecure(t, security{tlsAddr: "127.0.0.1:0", tlsCertFile: cert, tlsKeyFile: key})
	at := append(hostPortArgs(t, r.app.tlsListener.BoundAddr()), "--tls", "--cacert", p.caFile)
	out, err := tool(t, "redis-benchmark", append(at, "-q", "-n", "2000", "-c", "4", "-P", "8", "-t", "set,get")...)
	if err != nil {
		t.Fatalf("redis-benchmark --tls: %v\n%s", err, out)
	}
	for _, test := range []string{"SET: ", "GET: "} {
		if !strings.Contains(out, test) {
			t.Errorf("no %q result:\n%s", test, out)
		}
	}
}

// TestTLSCertificateReloaded: new files are served to new handshakes
// without a restart.
func TestTLSCertificateReloaded(t *testing.T) {
	p := newPKI(t)
	cert, key, first := p.issue("server", x509.ExtKeyUsageServerAuth)
	r := startSecure(t, security{tlsAddr: "127.0.0.1:0", tlsCertFile: cert, tlsKeyFile: key},
		func(a *app) { a.certs.PollInterval = 10 * time.Millisecond })
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	serial := func() int64 {
		c, err := tls.Dial("tcp", r.app.tlsListener.BoundAddr().String(), &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if have := serial(); have != first.SerialNumber.Int64() {
		t.Fatalf("serial %d, want %d", have, first.SerialNumber.Int64())
	}
	_, _, second := p.issue("server", x509.ExtKeyUsageServerAuth)
	seamtest.Eventually(t, "the renewed certificate", func() bool { return serial() == second.SerialNumber.Int64() })
}

// TestTLSOnly: with -addr "" the one listener is the TLS port.
func TestTLSOnly(t *testing.T) {
	p := newPKI(t)
	cert, key, _ := p.issue("server", x509.ExtKeyUsageServerAuth)
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath, cfg.addr = "", ""
	cfg.sec = security{tlsAddr: "127.0.0.1:0", tlsCertFile: cert, tlsKeyFile: key}
	r := serve(t, build(t, cfg))
	r.ready(t)
	if r.app.tlsListener != nil || r.app.listener.TLSConfig == nil {
		t.Fatal("-addr \"\" -tls-addr: the listener is not the TLS port")
	}
	out, err := tool(t, "redis-cli", append(hostPortArgs(t, r.app.listener.BoundAddr()), "--tls", "--cacert", p.caFile, "PING")...)
	if err != nil || out != "PONG\n" {
		t.Errorf("redis-cli --tls PING: %q, %v", out, err)
	}
}

// TestUnixSocket: redis-cli -s reaches the socket, whose mode is
// -unixsocketperm's, owner-only by default; clients there count as local
// for protected mode.
func TestUnixSocket(t *testing.T) {
	for _, perm := range []os.FileMode{0, 0o770} {
		path := filepath.Join(t.TempDir(), "kv.sock")
		r := startSecure(t, security{unixSocket: path, unixPerm: perm, protectedMode: true})
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		want := perm
		if want == 0 {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("-unixsocketperm %o: mode %o, want %o", perm, fi.Mode().Perm(), want)
		}
		if out, err := tool(t, "redis-cli", "-s", path, "PING"); err != nil || out != "PONG\n" {
			t.Errorf("redis-cli -s PING: %q, %v", out, err)
		}
		r.stop()
	}
}

// TestAdminToken: with -admin-token-file the tree wants the token, the
// probes do not, and /metrics counts kv's refusals.
func TestAdminToken(t *testing.T) {
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath, cfg.adminAddr = "", "127.0.0.1:0"
	cfg.sec = security{adminToken: "adm-tok-1", password: server.NewPassword("kv-pw-Zq9")}
	r := start(t, cfg)
	seamtest.Recv(t, r.app.admin.Ready(), "the admin port")
	base := "http://" + r.app.admin.BoundAddr().String()
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/debug/tree", "", 401}, {"/debug/tree", "nope", 403}, {"/debug/tree", "adm-tok-1", 200},
		{"/healthz", "", 200},
	} {
		if code, _ := get(tc.path, tc.token); code != tc.want {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.token, code, tc.want)
		}
	}
	c := dial(t, r.addr)
	do(t, c, "AUTH", "wrong")
	_, metrics := get("/metrics", "")
	if !strings.Contains(metrics, "kv_auth_failures_total 1\n") || !strings.Contains(metrics, "kv_protected_mode_denied_total 0\n") {
		t.Errorf("/metrics lacks kv's counters:\n%s", metrics)
	}
	if _, tree := get("/debug/tree.json", "adm-tok-1"); strings.Contains(tree, "kv-pw-Zq9") || strings.Contains(metrics, "kv-pw-Zq9") {
		t.Errorf("/debug/tree.json shows the password: %s", tree)
	}
}

// TestSecurityFlags: the flags' values and the combinations refused
// before anything starts.
func TestSecurityFlags(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("s3cret\r\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		args []string
		ok   bool
		want func(security) bool
	}{
		{nil, true, func(s security) bool {
			return s.protectedMode && !s.password.IsSet() && s.tlsAuthClients == tls.NoClientCert
		}},
		{[]string{"-protected-mode", "no"}, true, func(s security) bool { return !s.protectedMode }},
		{[]string{"-protected-mode", "maybe"}, false, nil},
		{[]string{"-requirepass-file", pwFile}, true, func(s security) bool { return s.password == server.NewPassword("s3cret") }},
		{[]string{"-requirepass", "x", "-requirepass-file", pwFile}, false, nil},
		{[]string{"-requirepass-file", empty}, false, nil},
		{[]string{"-requirepass-file", filepath.Join(dir, "none")}, false, nil},
		{[]string{"-unixsocketperm", "770"}, true, func(s security) bool { return s.unixPerm == 0o770 }},
		{[]string{"-unixsocketperm", "800"}, false, nil},
		{[]string{"-unixsocketperm", "1777"}, false, nil},
		{[]string{"-tls-addr", ":0"}, false, nil},
		{[]string{"-tls-cert-file", "c", "-tls-key-file", "k"}, false, nil},
		{[]string{"-tls-addr", ":0", "-tls-cert-file", "c", "-tls-key-file", "k"}, true, nil},
		{[]string{"-tls-addr", ":0", "-tls-cert-file", "c", "-tls-key-file", "k", "-tls-ca-cert-file", "ca"}, true,
			func(s security) bool { return s.tlsAuthClients == tls.RequireAndVerifyClientCert }},
		{[]string{"-tls-addr", ":0", "-tls-cert-file", "c", "-tls-key-file", "k", "-tls-ca-cert-file", "ca", "-tls-auth-clients", "optional"}, true,
			func(s security) bool { return s.tlsAuthClients == tls.VerifyClientCertIfGiven }},
		{[]string{"-tls-addr", ":0", "-tls-cert-file", "c", "-tls-key-file", "k", "-tls-auth-clients", "yes"}, false, nil},
		{[]string{"-tls-auth-clients", "sometimes"}, false, nil},
		{[]string{"-admin-token-file", pwFile}, true, func(s security) bool { return s.adminToken == "s3cret" }},
	} {
		fs := flag.NewFlagSet("kv", flag.ContinueOnError)
		f := addSecurityFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		s, err := f.resolve()
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.args, err, tc.ok)
			continue
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the error shows the secret: %v", tc.args, err)
		}
		if tc.want != nil && err == nil && !tc.want(s) {
			t.Errorf("%q: %+v", tc.args, s)
		}
	}
}

// TestSecurityFlagsReachTheServer runs the binary with -requirepass-file
// and -protected-mode: the flags' wiring, from the command line to the
// handler; a bad combination exits 2 before anything starts.
func TestSecurityFlagsReachTheServer(t *testing.T) {
	bin := buildBinary(t)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("flag-pw-77\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-aof", "", "-requirepass-file", pw)
	c := dial(t, p.addr)
	if have := do(t, c, "GET", "k"); have != "(error) NOAUTH Authentication required." {
		t.Errorf("GET before AUTH: %s", have)
	}
	if have := do(t, c, "AUTH", "flag-pw-77"); have != `"OK"` {
		t.Errorf("AUTH with the file's password: %s", have)
	}
	if strings.Contains(p.logs(), "flag-pw-77") {
		t.Errorf("the password is in the logs:\n%s", p.logs())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bad := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-aof", "", "-tls-auth-clients", "yes")
	if err := bad.Run(); bad.ProcessState == nil || bad.ProcessState.ExitCode() != 2 {
		t.Errorf("-tls-auth-clients yes without a CA: %v, want exit status 2", err)
	}
}
