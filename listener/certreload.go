package listener

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/supervisor"
)

// defaultCertPollInterval is CertReloader.PollInterval's default.
const defaultCertPollInterval = 10 * time.Second

// ErrCertReload is wrapped by the error of a [CertReloader.Reload] that
// could not load its files; the certificate loaded before stays in use.
var ErrCertReload = errors.New("listener: TLS certificate not reloaded; the previous one stays in use")

// CertReloader serves a TLS certificate loaded from a PEM certificate and
// key file pair, and loads them again on [CertReloader.Reload] or, as a
// suture service, when their contents change, so that a renewed
// certificate needs no restart. Put its GetCertificate in a Server's
// TLSConfig: each new handshake gets the certificate loaded last, while
// connections already open keep the one they were made with. A pair that
// fails to load (a half-written renewal, a key that does not match)
// leaves the previous certificate in use and logs an error.
//
// It handles no signal itself. To reload on SIGHUP, call Reload from the
// program's own signal loop (see the README's "Certificate reload").
//
// Its methods are safe for concurrent use.
type CertReloader struct {
	// PollInterval is how often Serve reads the files to look for a
	// change. Default 10s. Set it before Serve.
	PollInterval time.Duration

	certFile, keyFile string
	log               zerolog.Logger
	cert              atomic.Pointer[tls.Certificate]

	mu   sync.Mutex // one Reload at a time
	seen [sha256.Size]byte
}

// NewCertReloader loads the certificate and key files (as
// tls.LoadX509KeyPair) and returns a CertReloader serving them, or the
// load's error, wrapping [ErrBadConfig]. log receives the reloads' lines;
// the zero Logger logs nothing.
func NewCertReloader(certFile, keyFile string, log zerolog.Logger) (*CertReloader, error) {
	r := &CertReloader{certFile: certFile, keyFile: keyFile,
		log: log.With().Str("cert_file", certFile).Str("key_file", keyFile).Logger()}
	if _, err := r.load(); err != nil {
		return nil, fmt.Errorf("listener: %w: %w", supervisor.ErrBadConfig, err)
	}
	return r, nil
}

// GetCertificate returns the certificate loaded last; it is a
// tls.Config's GetCertificate.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cert.Load(), nil
}

// Reload loads the files again and, when they load, serves their
// certificate to new handshakes. When they do not, it logs an error and
// returns one wrapping [ErrCertReload], and the previous certificate
// stays in use. It blocks only for the reading of the two files.
func (r *CertReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cert, err := r.load()
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrCertReload, err)
		r.log.Error().Err(err).Msg("TLS certificate reload failed")
		return err
	}
	r.log.Info().Str("subject", cert.Leaf.Subject.String()).Time("not_after", cert.Leaf.NotAfter).
		Msg("TLS certificate reloaded")
	return nil
}

// load reads the pair, notes what it read so that Serve reloads only on
// a change (a pair that failed is not retried until it changes), and
// serves the certificate when it loads. It holds mu, but for the first
// load.
func (r *CertReloader) load() (*tls.Certificate, error) {
	certPEM, keyPEM, sum, err := r.read()
	if err != nil {
		return nil, err
	}
	r.seen = sum
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	r.cert.Store(&cert)
	return &cert, nil
}

// read reads both files and sums them together.
func (r *CertReloader) read() (certPEM, keyPEM []byte, sum [sha256.Size]byte, err error) {
	if certPEM, err = os.ReadFile(r.certFile); err != nil {
		return nil, nil, sum, err
	}
	if keyPEM, err = os.ReadFile(r.keyFile); err != nil {
		return nil, nil, sum, err
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	copy(sum[:], h.Sum(nil))
	return certPEM, keyPEM, sum, nil
}

// Serve reads the files every PollInterval and reloads them when their
// contents have changed, until ctx is cancelled; it then returns nil. It
// makes the CertReloader a suture.Service: add it beside the Server. A
// file that cannot be read is logged at each poll, and the certificate
// in use stays.
func (r *CertReloader) Serve(ctx context.Context) error {
	every := r.PollInterval
	if every <= 0 {
		every = defaultCertPollInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		_, _, sum, err := r.read()
		if err != nil {
			r.log.Error().Err(err).Msg("TLS certificate files unreadable; the previous certificate stays in use")
			continue
		}
		r.mu.Lock()
		changed := sum != r.seen
		r.mu.Unlock()
		if changed {
			r.Reload()
		}
	}
}

// String names the reloader in suture's logs.
func (r *CertReloader) String() string { return "certificate reloader " + r.certFile }
