package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/supervisor"
)

// Errors returned by [Server.Serve]. Configuration errors wrap
// supervisor.ErrBadConfig and are returned before anything binds; a Serve
// of a Server that is already serving returns an error wrapping
// supervisor.ErrAlreadyServing.
var (
	// ErrSocketInUse means that the unix socket's path is held by a live
	// process: the Server does not remove a socket someone still serves.
	// Serve returns it so that a program can tell another instance
	// holding the socket from any other failed bind.
	ErrSocketInUse = errors.New("listener: unix socket in use by a live process")

	// ErrIdleTimeout is wrapped by the error of a handler's Read on a
	// connection closed because no byte arrived on it for IdleTimeout,
	// so that the handler can tell that end from its client's.
	ErrIdleTimeout = errors.New("listener: no byte read for IdleTimeout; connection closed")

	// ErrListenerGone means that the Server's given Listener cannot be
	// served: its Accept failed for good, or an earlier Serve has served
	// and closed it. services.HTTP returns it too, for its own given
	// Listener.
	ErrListenerGone = bind.ErrListenerGone
)

// Defaults for the zero values of Server's fields, which their docs give.
const (
	defaultDrainTimeout        = 5 * time.Second
	defaultAcceptBackoffMin    = 5 * time.Millisecond
	defaultAcceptBackoffMax    = time.Second
	defaultRejectTimeout       = time.Second
	defaultTLSHandshakeTimeout = 10 * time.Second
	defaultBacklog             = 511 // redis-server's tcp-backlog, nginx's listen backlog
)

// maxRejecting bounds the rejections answered at once (see
// Server.Reject); past it a connection over the cap is closed at once. It
// is part of the descriptors the cap leaves to the rest of the process.
const maxRejecting = 64

// defaultRetireAfter is how many connections one connection supervisor
// takes before a fresh one takes over. suture numbers a supervisor's
// services with a uint32 that wraps; 1<<20 is far below the wrap and costs
// a new supervisor every million connections.
const defaultRetireAfter = 1 << 20

// stopGrace is how much longer than the drain timeout the listener's own
// supervisors wait for a service at stop. Force-close happens at the drain
// timeout inside Serve; the grace gives handlers time to return on their
// I/O error before suture reports them as stuck.
const stopGrace = 2 * time.Second

// drainTimeout is how long the graceful half of a stop may last once ctx is
// done; see supervisor.DrainTimeout.
func (c config) drainTimeout(ctx context.Context) time.Duration {
	limit := time.Duration(0)
	if c.drainSet {
		limit = c.drain
	}
	return supervisor.DrainTimeout(ctx, limit, c.drain)
}

// config is a Server's fields with defaults filled in, read once per Serve so
// that changing the Server while it runs has no half-applied effect.
type config struct {
	name             string
	network          string
	addr             string
	handler          Handler
	tls              *tls.Config
	proxy            *proxyPolicy    // nil: no PROXY protocol
	listener         net.Listener    // a given Listener, served instead of binding
	openSocket       bind.ListenFunc // Server.Bind; nil: net.ListenConfig
	maxConns         int
	maxPerIP         int
	idle             time.Duration
	hibernate        time.Duration       // 0: never; always 0 where no poller can park a socket
	hibernateNew     func(net.Conn) bool // HibernateAtAccept; nil without hibernate
	handshakeTimeout time.Duration       // 0 for none
	backlog          bool                // Overflow is OverflowBacklog
	listenBacklog    int                 // Server.Backlog; 0: the system's maximum
	reject           Handler             // nil: a connection over the cap is closed at once
	rejectWait       time.Duration
	drain            time.Duration
	drainSet         bool // DrainTimeout was set, so it bounds a budget's drain too
	backoffMin       time.Duration
	backoffMax       time.Duration
}

// resolve validates s and fills in defaults; it is the one place where the
// zero values of Server's fields get their meaning.
func (s *Server) resolve() (_ config, err error) {
	c := config{
		name:             s.String(),
		network:          s.Network,
		addr:             s.Addr,
		handler:          s.Handler,
		tls:              s.TLSConfig,
		listener:         s.Listener,
		maxConns:         s.MaxConns,
		maxPerIP:         s.MaxConnsPerIP,
		idle:             s.IdleTimeout,
		hibernate:        s.HibernateAfter,
		hibernateNew:     s.HibernateAtAccept,
		handshakeTimeout: s.TLSHandshakeTimeout,
		backlog:          s.Overflow == OverflowBacklog,
		listenBacklog:    s.Backlog,
		reject:           s.Reject,
		rejectWait:       s.RejectTimeout,
		drain:            s.DrainTimeout,
		backoffMin:       s.AcceptBackoffMin,
		backoffMax:       s.AcceptBackoffMax,
	}
	bad := func(format string, args ...any) (config, error) {
		return config{}, fmt.Errorf("listener: %w: "+format, append([]any{supervisor.ErrBadConfig}, args...)...)
	}
	if c.handler == nil {
		return bad("Handler is nil")
	}
	if c.network == "" {
		c.network = "tcp"
	}
	switch c.network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return bad("Network %q is not one of tcp, tcp4, tcp6, unix", c.network)
	}
	if c.listener != nil {
		if c.addr != "" {
			return bad("both Addr (%q) and Listener are set; set one", c.addr)
		}
		c.addr = c.listener.Addr().String()
		c.network = c.listener.Addr().Network()
	} else if c.network == "unix" && c.addr == "" {
		return bad("a unix listener needs Addr, the socket's path")
	}
	if c.maxConns < 0 {
		return bad("MaxConns is %d; want 0 (no cap) or more", c.maxConns)
	}
	if c.maxPerIP < 0 {
		return bad("MaxConnsPerIP is %d; want 0 (no cap) or more", c.maxPerIP)
	}
	if c.idle < 0 {
		return bad("IdleTimeout is %v; want 0 (none) or more", c.idle)
	}
	if c.hibernate < 0 {
		return bad("HibernateAfter is %v; want 0 (never) or more", c.hibernate)
	}
	if !canHibernate {
		c.hibernate = 0
	}
	if c.hibernate == 0 {
		c.hibernateNew = nil
	}
	switch {
	case c.handshakeTimeout == 0:
		c.handshakeTimeout = defaultTLSHandshakeTimeout
	case c.handshakeTimeout < 0:
		c.handshakeTimeout = 0
	}
	switch {
	case c.listenBacklog == 0:
		c.listenBacklog = defaultBacklog
	case c.listenBacklog < 0:
		c.listenBacklog = 0
	}
	switch s.Overflow {
	case OverflowReject, OverflowBacklog:
	default:
		return bad("Overflow is %d; want OverflowReject or OverflowBacklog", s.Overflow)
	}
	if c.rejectWait < 0 {
		return bad("RejectTimeout is %v; want 0 (the default) or more", c.rejectWait)
	}
	if c.rejectWait == 0 {
		c.rejectWait = defaultRejectTimeout
	}
	if c.drain < 0 {
		return bad("DrainTimeout is %v; want 0 (the default) or more", c.drain)
	}
	c.drainSet = c.drain > 0
	if c.drain == 0 {
		c.drain = defaultDrainTimeout
	}
	if c.backoffMin < 0 || c.backoffMax < 0 {
		return bad("accept backoff bounds %v, %v must not be negative", c.backoffMin, c.backoffMax)
	}
	if c.backoffMin == 0 {
		c.backoffMin = defaultAcceptBackoffMin
	}
	if c.backoffMax == 0 {
		c.backoffMax = max(defaultAcceptBackoffMax, c.backoffMin)
	}
	if c.backoffMin > c.backoffMax {
		return bad("AcceptBackoffMin %v is above AcceptBackoffMax %v", c.backoffMin, c.backoffMax)
	}
	if open := s.Bind; open != nil {
		c.openSocket = func(_ context.Context, network, address string) (net.Listener, error) {
			return open(network, address)
		}
	}
	if c.network == "unix" && c.listener == nil {
		if c.openSocket, err = withUnixPerm(c.openSocket, s.UnixSocketPerm); err != nil {
			return bad("%w", err)
		}
	}
	if c.proxy, err = s.ProxyProtocol.resolve(); err != nil {
		return bad("%w", err)
	}
	if c.tls != nil && len(c.tls.Certificates) == 0 && c.tls.GetCertificate == nil && c.tls.GetConfigForClient == nil {
		return bad("TLSConfig has no Certificates, GetCertificate or GetConfigForClient")
	}
	return c, nil
}

// errorName is how an error names the listener called name: by its name,
// with "listener" before it unless the name starts so already (the default
// name does: "listener 127.0.0.1:6380"), so that a Server named "listener
// kv" is not called "listener listener kv".
func errorName(name string) string {
	if strings.HasPrefix(name, "listener") {
		return name
	}
	return "listener " + name
}
