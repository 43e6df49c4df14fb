package admin

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/supervisor"
)

// defaultAddr keeps the admin port off the network unless asked: pprof and
// the tree tell a lot about the process.
const defaultAddr = "127.0.0.1:0"

// Server is the admin service: an HTTP server on a port of its own (a
// services.HTTP underneath, so it drains and restarts as that does) that
// serves the endpoints of the package documentation. A pointer to a Server
// is a suture.Service with a Ready method. The zero value of every field
// but Health works; fields are read when Serve starts.
type Server struct {
	// Name names the service in logs and String. Default "admin".
	Name string

	// Addr is the TCP address to bind. Default "127.0.0.1:0": loopback
	// only, a port the kernel picks (see BoundAddr).
	Addr string

	// Health is the state the endpoints report: the same value given to
	// supervisor.RunConfig.Health. Required.
	Health *supervisor.Health

	// Pprof serves net/http/pprof under /debug/pprof/ when true.
	Pprof bool

	// Gatherer, if set, adds its metrics to /metrics: the program's own
	// registry, or prometheus.DefaultGatherer. Its names must not clash
	// with seam's (seam_*, go_*, process_*).
	Gatherer prometheus.Gatherer

	// Token, when set, is the bearer token that every endpoint but
	// /healthz, /readyz and /metrics requires ("Authorization: Bearer
	// <token>"): 401 without one, 403 with another, compared in constant
	// time. Without it, any method but GET and HEAD, and /debug/pprof/,
	// answer loopback clients only (403 to others). See the package doc's
	// Access.
	Token string

	// Bind, when set, opens the listening socket in place of net.Listen,
	// as services.HTTP's Bind does: give it an Upgrader's Bind so that an
	// upgrade hands the admin port to the new process, which could not
	// bind it while the old one still serves.
	Bind func(network, address string) (net.Listener, error)

	// Logger receives the HTTP server's start, stop and errors. The zero
	// value logs nothing.
	Logger zerolog.Logger

	http services.HTTP

	// clientIP replaces how a request's client address is read, for tests
	// of clients from other hosts; nil reads the connection's peer.
	clientIP func(*http.Request) netip.Addr
}

// String returns Name, or "admin".
func (s *Server) String() string {
	if s.Name != "" {
		return s.Name
	}
	return "admin"
}

// Ready returns a channel closed once the Server is bound and serving. It
// may be called before Serve and stays closed across restarts.
func (s *Server) Ready() <-chan struct{} { return s.http.Ready() }

// BoundAddr returns the address the Server is bound to, nil before its
// first bind.
func (s *Server) BoundAddr() net.Addr { return s.http.BoundAddr() }

// Serve binds Addr and serves the endpoints until ctx ends, then stops as
// services.HTTP does: it closes the socket, lets requests in flight finish
// within its share of the stop budget, and returns nil. A restart binds
// the same port again. A nil Health is an error wrapping supervisor.ErrBadConfig
// and suture.ErrDoNotRestart, returned before anything is bound.
func (s *Server) Serve(ctx context.Context) error {
	if s.Health == nil {
		err := fmt.Errorf("admin: %w: %s has no Health", supervisor.ErrBadConfig, s)
		s.Logger.Error().Err(err).Str("service", s.String()).Msg("admin not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	addr := s.Addr
	if addr == "" {
		addr = defaultAddr
	}
	s.http.Name, s.http.Addr, s.http.Bind, s.http.Logger = s.String(), addr, s.Bind, s.Logger
	s.http.Handler = s.handler()
	return s.http.Serve(ctx)
}

// handler routes the endpoints.
func (s *Server) handler() http.Handler {
	h := s.Health
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newCollector(h),
	)
	var g prometheus.Gatherer = reg
	if s.Gatherer != nil {
		g = prometheus.Gatherers{reg, s.Gatherer}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz(h))
	mux.HandleFunc("GET /readyz", readyz(h))
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /debug/tree", treeHTML(h))
	mux.HandleFunc("GET /debug/tree.json", treeJSON(h))
	mux.HandleFunc("POST /listeners/{name}/suspend", suspendListener(h))
	mux.HandleFunc("POST /listeners/{name}/resume", resumeListener(h))
	if s.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("GET /{$}", index(s.Pprof))
	gd := newGuard(mux, s.Token, s.Logger, s.clientIP)
	reg.MustRegister(gd.refused)
	return gd
}
