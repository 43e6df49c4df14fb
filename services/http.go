package services

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/internal/logfield"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// defaultDrainTimeout is HTTP's DrainTimeout when it is zero: shorter than
// suture's default stop Timeout (10 s), so the forced Close happens inside
// Serve, before the supervisor gives up on it.
const defaultDrainTimeout = 5 * time.Second

// HTTP serves an [http.Server] as a [suture.Service]. The zero value of
// every field but a handler works; a pointer to an HTTP is the service:
//
//	sup.Add(&services.HTTP{Name: "admin", Addr: ":8080", Handler: mux})
//
// net/http cannot serve again with a server that has been shut down, so
// every call of [HTTP.Serve] builds a fresh http.Server from the template in
// Server: a restarted service serves again, on a fresh socket bound to the
// same address.
//
// The fields are read, never written, by Serve; do not change them while the
// service runs.
type HTTP struct {
	// Name names the service in logs and in String. Default: "http " and
	// the address to bind.
	Name string

	// Addr is the TCP address to bind, used when Server is nil or
	// Server.Addr is empty. If it is empty too, ":http" is bound, or
	// ":https" with TLS, as net/http does. After the first bind the
	// address is pinned to the one the kernel chose, so a restarted
	// service binds the same port again even when Addr asked for port 0
	// ("127.0.0.1:0"; see [HTTP.BoundAddr]).
	Addr string

	// Handler answers requests, used when Server is nil or Server.Handler
	// is nil. One of the two is required: there is no fallback to
	// http.DefaultServeMux.
	Handler http.Handler

	// Server is an optional template. Its exported configuration
	// (timeouts, MaxHeaderBytes, TLSConfig, ConnState, ConnContext,
	// BaseContext, ErrorLog, HTTP2, Protocols, ...) is copied into the
	// fresh http.Server of every Serve; the template itself is never
	// served. Its state (RegisterOnShutdown hooks, SetKeepAlivesEnabled)
	// is not copied. Its ConnState is called after the service's own,
	// which tracks the hijacked connections.
	//
	// A non-nil Server.TLSConfig makes Serve serve TLS; it must hold a
	// certificate (Certificates, GetCertificate or GetConfigForClient).
	Server *http.Server

	// Listener, if set, is served instead of binding an address (and Addr
	// must be empty). Serve takes it over and closes it when it returns,
	// so a restarted service has nothing left to serve: the next Serve
	// returns an error wrapping [ErrListenerGone]. Use Addr for a service
	// that must survive a restart.
	Listener net.Listener

	// DrainTimeout bounds a graceful stop: Shutdown gets this long to let
	// in-flight requests finish, then the remaining connections are
	// closed. Under a supervisor.Run or Group the drain is planned within
	// the stop budget they hand down (see supervisor.DrainTimeout), and no
	// longer than DrainTimeout where it is set. Without a budget, default
	// 5 s: keep it shorter than the supervisor's stop Timeout, so that
	// Serve has returned before the supervisor gives up.
	DrainTimeout time.Duration

	// Logger receives start and stop at info, the drain at debug, net/http's
	// own error log at warn and handler panics at error. Handlers find it in
	// zerolog.Ctx(r.Context()). The zero value logs nothing.
	Logger zerolog.Logger

	// Bind, when set, opens the listening socket for Addr in place of
	// net.Listen, at the first Serve and at every restart, as
	// listener.Server's Bind does: the place for inherited sockets
	// (handoff.Systemd, an Upgrader's Bind, so that an upgrade hands the
	// port over instead of failing to bind it while the old process
	// holds it) or for a net.ListenConfig with socket options.
	Bind func(network, address string) (net.Listener, error)

	sock    bind.Socket               // bound or given, pinned, Ready and BoundAddr
	hijacks atomic.Pointer[hijackSet] // the Serve in progress's, for LiveWork
}

// httpConfig is an [HTTP]'s configuration with the defaults filled in; the
// HTTP's fields stay as the user set them.
type httpConfig struct {
	name    string
	addr    string
	handler http.Handler
	drain   time.Duration
	tls     bool
}

// resolve fills in the defaults and validates them; it is the one place
// where both happen. Its errors wrap supervisor.ErrBadConfig.
func (h *HTTP) resolve() (httpConfig, error) {
	c := httpConfig{
		name:    h.String(),
		addr:    h.bindAddr(),
		handler: h.Handler,
		drain:   h.DrainTimeout,
		tls:     h.Server != nil && h.Server.TLSConfig != nil,
	}
	bad := func(format string, args ...any) (httpConfig, error) {
		return httpConfig{}, fmt.Errorf("services: %w: http %q "+format, append([]any{supervisor.ErrBadConfig, c.name}, args...)...)
	}
	if h.Server != nil && h.Server.Handler != nil {
		c.handler = h.Server.Handler
	}
	if c.handler == nil {
		return httpConfig{}, fmt.Errorf("%w: http %q has neither Handler nor Server.Handler", errNoHandler, c.name)
	}
	if h.Listener != nil && h.Addr != "" {
		return bad("has both Addr (%q) and Listener; set one", h.Addr)
	}
	if h.Listener != nil && h.Bind != nil {
		return bad("has both Bind and Listener; set one")
	}
	if c.drain < 0 {
		return bad("has DrainTimeout %v; want 0 (the default, %v) or more", c.drain, defaultDrainTimeout)
	}
	if c.drain == 0 {
		c.drain = defaultDrainTimeout
	}
	if c.tls && !hasCertificate(h.Server.TLSConfig) {
		return bad("has a TLSConfig without Certificates, GetCertificate or GetConfigForClient")
	}
	return c, nil
}

// hasCertificate reports whether ServeTLS can find a certificate in cfg
// without certificate files (which HTTP does not take).
func hasCertificate(cfg *tls.Config) bool {
	return len(cfg.Certificates) > 0 || cfg.GetCertificate != nil || cfg.GetConfigForClient != nil
}

// bindAddr is the address Serve binds when there is no Listener.
func (h *HTTP) bindAddr() string {
	switch {
	case h.Server != nil && h.Server.Addr != "":
		return h.Server.Addr
	case h.Addr != "":
		return h.Addr
	case h.Server != nil && h.Server.TLSConfig != nil:
		return ":https"
	default:
		return ":http"
	}
}

// String returns Name, or "http " and the address to bind (or the
// Listener's address). It is cheap: a supervisor calls it at Add.
func (h *HTTP) String() string {
	if h.Name != "" {
		return h.Name
	}
	if h.Listener != nil {
		return "http " + h.Listener.Addr().String()
	}
	return "http " + h.bindAddr()
}

// Ready returns a channel that is closed once Serve has bound its socket
// for the first time; requests sent after that are served. It is safe to
// call at any time, before Serve too, and from any goroutine; every call
// returns the same channel. A restart does not reopen it.
func (h *HTTP) Ready() <-chan struct{} { return h.sock.Ready() }

// BoundAddr returns the address the service is bound to (or the
// Listener's), nil before the first bind. With port 0 in Addr, this is where
// to find the port the kernel chose; a restart binds it again.
func (h *HTTP) BoundAddr() net.Addr { return h.sock.Addr() }

// Serve binds the socket (or takes Listener), serves HTTP on it, TLS if the
// template has a TLSConfig, and blocks until ctx ends or serving fails.
//
// When ctx ends, Serve stops gracefully, in order: it closes the socket,
// cancels the contexts of the requests in flight, gives them DrainTimeout
// to finish (http.Server.Shutdown) and closes the connections still open
// after it (http.Server.Close). Serve returns nil once the server has stopped
// and every handler it called has returned; a handler that ignores both its
// request's context and its connection therefore holds Serve up (as it
// would hold up the supervisor's report of unstopped services).
//
// Hijacked connections (http.Hijacker, http.ResponseController's Hijack,
// WebSockets upgraded through either) are drained too, which net/http's
// Shutdown and Close do not do: their request's context is cancelled with
// the others', the drain waits for them to be closed within the same
// DrainTimeout, and those still open at its end are closed by force, so
// that a handler, or a goroutine it left the connection to, returns on
// its read or write error. The drain looks at them (1 ms, doubling to
// 500 ms) since nothing signals their end. While Serve runs, [HTTP.LiveWork]
// names them.
//
// Under [supervisor.Run], the lame duck turns keep-alives off
// (http.Server.SetKeepAlivesEnabled): idle connections are closed and
// every response says "Connection: close", so that clients behind a
// balancer open their next connection to another instance while this one
// still answers. They stay off until the stop: Run's tree does not go back
// from the lame duck to ready.
//
// If serving fails while ctx is live (the socket broke), Serve stops the
// same way and returns the error, wrapped, so that the supervisor restarts
// the service; the next Serve binds the same address afresh. A failed bind
// is returned too, and retried by the supervisor with its backoff.
//
// An invalid configuration is logged at error and returned before anything
// is bound, as an error wrapping [supervisor.ErrBadConfig] and suture.ErrDoNotRestart:
// restarting cannot fix it, so the supervisor drops the service.
//
// A handler that panics has its panic logged at error with the stack, and
// its connection is aborted as net/http does (panic with
// [http.ErrAbortHandler]); the server goes on.
func (h *HTTP) Serve(ctx context.Context) error {
	cfg, err := h.resolve()
	if err != nil {
		h.Logger.Error().Err(err).Str("service", h.String()).Msg("http not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	if ctx.Err() != nil {
		return nil
	}
	log := h.Logger.With().Str("service", cfg.name).Logger()

	ln, err := h.bind(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// Shutdown closes ln; this covers a ServeTLS that fails before Serve.
	defer ln.Close()

	// base is the parent of every request's context. Shutdown cancels it
	// once it has closed the socket, so handlers learn of the stop while
	// they drain; Serve's own ctx is not their parent, since a request
	// must not end before the socket is closed.
	base, cancelRequests := context.WithCancel(log.WithContext(context.WithoutCancel(ctx)))
	defer cancelRequests()
	var flight inflight
	hijacks := &hijackSet{}
	srv := h.newServer(cfg, base, &flight, log)
	srv.ConnState = hijacks.track(srv.ConnState)
	srv.RegisterOnShutdown(cancelRequests)
	h.hijacks.Store(hijacks)
	defer h.hijacks.Store(nil)
	defer keepAlivesOffInLameDuck(ctx, srv, log)()

	// Logged before Ready closes, so that a tree's "tree ready" never
	// comes before it.
	log.Info().Str("addr", ln.Addr().String()).Bool("tls", cfg.tls).Msg("http serving")
	h.sock.Serving(ln.Addr())

	served := make(chan error, 1)
	go func() {
		if cfg.tls {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()

	var serveErr error
	select {
	case <-ctx.Done():
		drain(srv, hijacks, supervisor.DrainTimeout(ctx, h.DrainTimeout, cfg.drain), log)
		serveErr = <-served
	case serveErr = <-served:
		drain(srv, hijacks, cfg.drain, log)
	}
	if drained := flight.close(); !isClosed(drained) {
		// net/http has closed every connection but cannot stop a
		// handler that ignores both its request's context and its
		// connection: say what the stop waits for.
		log.Debug().Msg("http waiting for handlers that outlived their connections")
		<-drained
	}

	if ctx.Err() != nil {
		if !errors.Is(serveErr, http.ErrServerClosed) {
			log.Debug().Err(serveErr).Msg("http serve ended while stopping")
		}
		log.Info().Msg("http stopped")
		return nil
	}
	return fmt.Errorf("services: http %q: serve: %w", cfg.name, serveErr)
}

// bind returns the listener to serve: Listener once, or a fresh socket at
// the address the first bind pinned.
func (h *HTTP) bind(ctx context.Context, cfg httpConfig) (net.Listener, error) {
	var listen bind.ListenFunc
	if open := h.Bind; open != nil {
		listen = func(_ context.Context, network, address string) (net.Listener, error) {
			return open(network, address)
		}
	}
	ln, err := h.sock.Bind(ctx, bind.Target{Network: "tcp", Address: cfg.addr, Listener: h.Listener, Listen: listen})
	if errors.Is(err, listener.ErrListenerGone) {
		return nil, fmt.Errorf("services: http %q: %w", cfg.name, err)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		// It says "listen tcp ...: bind: ..." already: once is enough.
		return nil, fmt.Errorf("services: http %q: %w", cfg.name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("services: http %q: listen: %w", cfg.name, err)
	}
	return ln, nil
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// drain stops srv: Shutdown for up to timeout, then a wait for the
// hijacked connections within the same timeout, then Close for whatever is
// left and a forced close of the hijacked connections still open. When it
// returns, srv's Serve has returned or is about to.
func drain(srv *http.Server, hijacks *hijackSet, timeout time.Duration, log zerolog.Logger) {
	log.Debug().Stringer("drain_timeout", logfield.Duration(timeout)).Msg("http draining")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Debug().Err(err).Msg("http shutdown: closing the socket")
	}
	timedOut := errors.Is(err, context.DeadlineExceeded)
	if !timedOut {
		// Shutdown has cancelled the requests' context, hijacked ones
		// included, but waits only for the connections it still owns.
		timedOut = hijacks.wait(ctx) != nil
	}
	// Close after a completed Shutdown is a no-op; after a timed-out one
	// it cuts off what is left, except the hijacked connections.
	_ = srv.Close()
	forced := hijacks.closeAll()
	if timedOut {
		log.Warn().Stringer("drain_timeout", logfield.Duration(timeout)).Int("hijacked", forced).
			Msg("http drain timed out; closing the remaining connections")
	}
}

// LiveWork names the hijacked connections of the Serve in progress that
// are still open, by their client's address ("hijacked conn
// 127.0.0.1:5555"), sorted, so that a stop report names what holds the
// service up (see supervisor.Run). It returns nil when Serve is not
// running or no hijacked connection is open. It is safe for concurrent use
// and does not block on the server.
func (h *HTTP) LiveWork() []string {
	if s := h.hijacks.Load(); s != nil {
		if parts := s.describe(); len(parts) > 0 {
			return parts
		}
	}
	return nil
}

// keepAlivesOffInLameDuck turns srv's keep-alives off when the lame duck
// of the Run that serves ctx begins (see supervisor.LameDuck), and
// returns the func that ends its watch and waits for it; Serve defers it.
func keepAlivesOffInLameDuck(ctx context.Context, srv *http.Server, log zerolog.Logger) (stop func()) {
	lameDuck := supervisor.LameDuck(ctx)
	if lameDuck == nil {
		return func() {}
	}
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-lameDuck:
			if ctx.Err() == nil {
				srv.SetKeepAlivesEnabled(false)
				log.Info().Msg("http lame duck: keep-alives off, idle connections closed")
			}
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-watched
	}
}
