package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/listener"
)

// security is who may connect and what they may do, as the flags set it:
// kv's password and protected mode, its TLS port, its unix socket, and the
// admin port's token. The zero value is none of them, as in the tests'
// configs; the flags' defaults turn protected mode on, as Redis's do.
type security struct {
	password      server.Password
	protectedMode bool

	tlsAddr        string // empty: no TLS port
	tlsCertFile    string
	tlsKeyFile     string
	tlsCAFile      string
	tlsAuthClients tls.ClientAuthType

	unixSocket string // empty: no unix socket
	unixPerm   fs.FileMode

	adminToken string // empty: the admin port's loopback rule (services/admin)
}

// securityFlags are the flags that set a security, named as Redis names
// its settings.
type securityFlags struct {
	requirePass, requirePassFile, protectedMode     *string
	tlsAddr, tlsCert, tlsKey, tlsCA, tlsAuthClients *string
	unixSocket, unixPerm, adminTokenFile            *string
}

func addSecurityFlags(fs *flag.FlagSet) *securityFlags {
	return &securityFlags{
		requirePass: fs.String("requirepass", "",
			"password clients must give (AUTH) before any other command; visible in ps: prefer -requirepass-file"),
		requirePassFile: fs.String("requirepass-file", "", "file holding the password of -requirepass (one trailing newline is ignored)"),
		protectedMode: fs.String("protected-mode", "yes",
			"yes: while no password is set, refuse clients other than 127.0.0.1, ::1 and the unix socket with -DENIED, as Redis; no: serve anyone who reaches the port"),
		tlsAddr: fs.String("tls-addr", "", "address of a TLS port beside -addr (Redis's tls-port), e.g. 127.0.0.1:6390; with -addr \"\", the only port; empty: none"),
		tlsCert: fs.String("tls-cert-file", "", "PEM certificate of the TLS port; reloaded when it changes"),
		tlsKey:  fs.String("tls-key-file", "", "PEM private key of -tls-cert-file; reloaded when it changes"),
		tlsCA:   fs.String("tls-ca-cert-file", "", "PEM CA certificates that client certificates must chain to"),
		tlsAuthClients: fs.String("tls-auth-clients", "",
			"yes: clients need a certificate from -tls-ca-cert-file; optional: one given is verified; no: none asked (default yes with a CA, no without)"),
		unixSocket:     fs.String("unixsocket", "", "path of a unix socket to serve beside -addr; empty: none"),
		unixPerm:       fs.String("unixsocketperm", "0", "mode of -unixsocket, in octal as Redis's (770); 0 means 600, owner only"),
		adminTokenFile: fs.String("admin-token-file", "", "file holding the bearer token that the admin endpoints but /healthz, /readyz and /metrics require"),
	}
}

// resolve reads the files the flags name and checks the flags together.
func (f *securityFlags) resolve() (s security, err error) {
	switch {
	case *f.requirePass != "" && *f.requirePassFile != "":
		return s, errors.New("kv: set -requirepass or -requirepass-file, not both")
	case *f.requirePassFile != "":
		p, err := readSecret("requirepass-file", *f.requirePassFile)
		if err != nil {
			return s, err
		}
		s.password = server.NewPassword(p)
	default:
		s.password = server.NewPassword(*f.requirePass)
	}
	if s.protectedMode, err = yesNo("protected-mode", *f.protectedMode); err != nil {
		return s, err
	}
	s.tlsAddr, s.tlsCertFile, s.tlsKeyFile, s.tlsCAFile = *f.tlsAddr, *f.tlsCert, *f.tlsKey, *f.tlsCA
	switch *f.tlsAuthClients {
	case "":
		if s.tlsCAFile != "" {
			s.tlsAuthClients = tls.RequireAndVerifyClientCert
		}
	case "yes":
		s.tlsAuthClients = tls.RequireAndVerifyClientCert
	case "optional":
		s.tlsAuthClients = tls.VerifyClientCertIfGiven
	case "no":
		s.tlsAuthClients = tls.NoClientCert
	default:
		return s, fmt.Errorf("kv: -tls-auth-clients %q: want yes, no or optional", *f.tlsAuthClients)
	}
	s.unixSocket = *f.unixSocket
	perm, err := strconv.ParseUint(*f.unixPerm, 8, 32)
	if err != nil || perm > 0o777 {
		return s, fmt.Errorf("kv: -unixsocketperm %q: want an octal mode such as 700 or 770", *f.unixPerm)
	}
	s.unixPerm = fs.FileMode(perm)
	if *f.adminTokenFile != "" {
		if s.adminToken, err = readSecret("admin-token-file", *f.adminTokenFile); err != nil {
			return s, err
		}
	}
	return s, s.check()
}

// check finds flags that make no sense together, before anything starts.
func (s security) check() error {
	hasTLS := s.tlsCertFile != "" || s.tlsKeyFile != "" || s.tlsCAFile != ""
	switch {
	case s.tlsAddr == "" && hasTLS:
		return errors.New("kv: -tls-cert-file, -tls-key-file and -tls-ca-cert-file need -tls-addr")
	case s.tlsAddr != "" && (s.tlsCertFile == "" || s.tlsKeyFile == ""):
		return errors.New("kv: -tls-addr needs -tls-cert-file and -tls-key-file")
	case s.tlsAuthClients != tls.NoClientCert && s.tlsCAFile == "":
		// Redis refuses this too: there is nothing to verify a client's
		// certificate against.
		return errors.New("kv: -tls-auth-clients yes or optional needs -tls-ca-cert-file")
	}
	return nil
}

// readSecret reads a password or token from a file, so that it stays out
// of the process list; one trailing newline, as an editor or echo leaves,
// is not part of it. The error names the file, never what it holds.
func readSecret(flagName, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("kv: -%s: %w", flagName, err)
	}
	secret := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if secret == "" {
		return "", fmt.Errorf("kv: -%s: %s is empty", flagName, path)
	}
	return secret, nil
}

func yesNo(flagName, v string) (bool, error) {
	switch v {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("kv: -%s %q: want yes or no", flagName, v)
}

// tlsConfig is the TLS port's configuration: its certificate from a
// CertReloader (which the tree also runs, to reload it when the files
// change) and, with a CA, the client certificates it asks for.
func (s security) tlsConfig(r *listener.CertReloader) (*tls.Config, error) {
	tc := &tls.Config{GetCertificate: r.GetCertificate, MinVersion: tls.VersionTLS12, ClientAuth: s.tlsAuthClients}
	if s.tlsCAFile != "" {
		pem, err := os.ReadFile(s.tlsCAFile)
		if err != nil {
			return nil, fmt.Errorf("kv: -tls-ca-cert-file: %w", err)
		}
		tc.ClientCAs = x509.NewCertPool()
		if !tc.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kv: -tls-ca-cert-file: no PEM certificate in %s", s.tlsCAFile)
		}
	}
	return tc, nil
}

// secure wires the security settings into the tree being built: the
// handler's password and protected mode are already in its Config; this
// adds the TLS port (or makes the one listener TLS, with -addr ""), the
// unix socket, and the certificate reloader, and returns the services to
// run after the plain listener. Each listener has its own -maxconns cap.
func (a *app) secure() ([]suture.Service, error) {
	s := a.cfg.sec
	var more []suture.Service
	// like copies the plain listener's settings to another listener of
	// the same handler.
	like := func(name, network, addr string) *listener.Server {
		l := a.listener
		return &listener.Server{Name: name, Network: network, Addr: addr, Handler: l.Handler, MaxConns: l.MaxConns,
			Reject: l.Reject, IdleTimeout: l.IdleTimeout, HibernateAfter: l.HibernateAfter, HibernateAtAccept: l.HibernateAtAccept,
			Logger: l.Logger, ProxyProtocol: l.ProxyProtocol, Bind: l.Bind}
	}
	if s.tlsAddr != "" {
		r, err := listener.NewCertReloader(s.tlsCertFile, s.tlsKeyFile, a.cfg.logger)
		if err != nil {
			return nil, fmt.Errorf("kv: -tls-cert-file, -tls-key-file: %w", err)
		}
		tc, err := s.tlsConfig(r)
		if err != nil {
			return nil, err
		}
		a.certs = r
		more = append(more, r)
		if a.cfg.addr == "" {
			a.listener.Name, a.listener.Addr, a.listener.TLSConfig = "listener kv tls", s.tlsAddr, tc
		} else {
			a.tlsListener = like("listener kv tls", "tcp", s.tlsAddr)
			a.tlsListener.TLSConfig = tc
			a.handler.AlsoServedBy(a.tlsListener)
			more = append(more, a.tlsListener)
		}
	}
	if s.unixSocket != "" {
		a.unixListener = like("listener kv unix", "unix", s.unixSocket)
		a.unixListener.UnixSocketPerm = s.unixPerm
		a.unixListener.ProxyProtocol = listener.ProxyProtocol{} // no balancer on a unix socket
		a.handler.AlsoServedBy(a.unixListener)
		more = append(more, a.unixListener)
	}
	return more, nil
}

// metrics is kv's own series for the admin port's /metrics, beside seam's:
// what the handler counts of who was turned away.
func (a *app) metrics() prometheus.Gatherer {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kv_auth_failures_total",
			Help: "AUTH and HELLO AUTH attempts refused (INFO acl_access_denied_auth)."},
			func() float64 { return float64(a.handler.AuthFailures()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kv_protected_mode_denied_total",
			Help: "Clients from other hosts refused by protected mode (INFO protected_mode_denied)."},
			func() float64 { return float64(a.handler.Denied()) }),
	)
	return reg
}
