package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/supervisor"
)

// Server is a supervised accept loop and the connections it accepts. It is a
// [suture.Service]: add it to a supervisor, or call Serve yourself.
//
// Each Serve runs a small subtree of its own: an acceptor service under one
// supervisor, and every connection as a transient service under connection
// supervisors. An acceptor that fails is restarted and binds again while the
// connections carry on; a connection's failure costs only that connection.
//
// The zero value of every field but Handler works. Fields are read when
// Serve starts; changing them while it runs has no effect until the next
// Serve.
type Server struct {
	// Name names the server in logs, in String and in stop reports.
	// Default "listener " + Addr, or + the Listener's address.
	Name string

	// Network is "tcp" (the default), "tcp4", "tcp6" or "unix".
	Network string

	// Addr is the address to bind, as for net.Listen. Empty binds a port
	// the kernel chooses on every interface; "127.0.0.1:0" a loopback one.
	// For "unix" it is the socket's path: a socket file left by a dead
	// process is removed first, a live one is an error.
	Addr string

	// Handler serves each connection. Required.
	Handler Handler

	// TLSConfig, when set, makes every connection a TLS server connection.
	// The handshake runs on the connection's goroutine, at its first Read
	// or Write, never in the accept loop.
	TLSConfig *tls.Config

	// Listen, when set, binds Addr in place of net.Listen, at the start
	// and at every re-bind after an acceptor fault. It is the place for a
	// net.ListenConfig with socket options (SO_REUSEPORT...), for
	// inherited sockets (tableflip's Upgrader.Listen has this signature),
	// or for wrapping the listener to observe or inject accept errors.
	// A stale unix socket file is removed before it is called.
	Listen func(network, address string) (net.Listener, error)

	// Listener, when set, is served instead of binding Addr (and Addr must
	// be empty). Serve closes it when it stops. A Listener cannot be bound
	// again, so when its Accept fails for good Serve stops gracefully and
	// returns an error wrapping [ErrListenerFailed], leaving the decision
	// to restart to the parent supervisor.
	Listener net.Listener

	// MaxConns caps the connections open at once; 0 means no cap. At the
	// cap the acceptor stops calling Accept, so new connections wait in
	// the kernel's backlog, until a connection ends.
	MaxConns int

	// DrainTimeout is how long a graceful stop waits for handlers to
	// return after their ctx is cancelled before closing their connections
	// by force. Under a supervisor.Run or Group the drain is planned
	// within the stop budget they hand down (supervisor.StopDeadline): all
	// of it but a quarter, at most 2s, kept for the force-close, and no
	// longer than DrainTimeout where it is set. Without a budget, default
	// 5s: keep it below the parent supervisor's stop Timeout (suture's
	// default is 10s), or suture abandons the listener before it has
	// force-closed.
	DrainTimeout time.Duration

	// AcceptBackoffMin and AcceptBackoffMax bound the pause after a
	// temporary accept error (EMFILE, ENFILE, ECONNABORTED...): it starts
	// at Min and doubles up to Max while errors repeat. Default 5ms and 1s,
	// as net/http.
	AcceptBackoffMin time.Duration
	AcceptBackoffMax time.Duration

	// RetireAfter is how many connections one connection supervisor takes
	// before a fresh one takes over; the old one is removed once its last
	// connection ends. suture's service IDs are 32 bits and wrap, which
	// would let a new connection overwrite a live one. Default 1<<20.
	RetireAfter uint32

	// Logger receives the listener's logs and is the parent of each
	// connection's logger. The zero value logs nothing.
	Logger zerolog.Logger

	// sleep replaces the accept backoff's timer in tests; it reports
	// false when ctx ended first.
	sleep func(ctx context.Context, d time.Duration) bool

	// slotFreed, when set, is called each time a connection slot is
	// freed, for tests of the MaxConns bound.
	slotFreed func()

	counters counters

	mu      sync.Mutex
	ready   chan struct{} // closed at the first bind
	addr    net.Addr
	running *run
}

// run is the state of one Serve call.
type run struct {
	srv       *Server
	cfg       config
	log       zerolog.Logger
	logConns  bool // whether per-connection loggers are worth building
	boundAddr string
	first     net.Listener // the listener bound by Serve, for the first acceptor
	// listenerErr is a given Listener's final accept error, written by
	// the acceptor before its subtree ends and read by Serve after.
	listenerErr error

	acceptors *suture.Supervisor
	conns     *suture.Supervisor

	// handlerCtx is every handler's ctx (with its logger added).
	// Cancelling it is step 2 of a graceful stop: one cancel reaches all
	// handlers, where stopping the connection supervisors would start a
	// goroutine per connection and make Serve wait for suture's
	// bookkeeping of each one after the last handler has returned.
	handlerCtx     context.Context
	cancelHandlers context.CancelFunc
	slots          chan struct{} // one token per open connection; nil without MaxConns

	connTracker
}

// Serve binds the address, accepts connections and serves each one on its
// own goroutine, until ctx is cancelled. It then stops gracefully: it
// closes the listening socket, cancels every connection's ctx, waits up to
// DrainTimeout for handlers to return, closes the remaining connections by
// force and returns nil once every goroutine it started has ended.
//
// A bad configuration is an error wrapping [ErrBadConfig] (and
// suture.ErrDoNotRestart, since restarting cannot fix it), returned before
// anything binds. A failed first bind is returned as is, so the parent
// supervisor retries with its backoff. Serve must not be called again
// before it has returned: a second Serve of a Server already serving (the
// same Server added twice) returns [ErrAlreadyServing], which wraps
// suture.ErrDoNotRestart so that suture does not retry it.
func (s *Server) Serve(ctx context.Context) error {
	cfg, err := s.resolve()
	if err != nil {
		s.Logger.Error().Err(err).Str("listener", s.String()).Msg("listener not started")
		return fmt.Errorf("%w%w", err, errDoNotRestart)
	}
	r := &run{srv: s, cfg: cfg, log: s.Logger.With().Str("listener", cfg.name).Logger()}
	r.init(r)
	ev := r.log.Error()
	r.logConns = ev.Enabled()
	ev.Discard()
	if cfg.maxConns > 0 {
		r.slots = make(chan struct{}, cfg.maxConns)
	}

	s.mu.Lock()
	if s.running != nil {
		s.mu.Unlock()
		return fmt.Errorf("%w%w", ErrAlreadyServing, errDoNotRestart)
	}
	s.running = r
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
	}()

	if r.first, err = r.bind(); err != nil {
		return err
	}

	spec := suture.Spec{
		EventHook: supervisor.EventHook(r.log),
		Timeout:   cfg.drain + stopGrace,
	}
	r.acceptors = suture.New(cfg.name+"/acceptor", spec)
	r.acceptors.Add(&acceptor{run: r})
	r.conns = suture.New(cfg.name+"/conns", spec)

	// The two subtrees get contexts of their own so that the stop runs in
	// the documented order (accept, then connections) rather than in the
	// unspecified order in which suture cancels siblings.
	acceptCtx, stopAccepting := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAccepting()
	connsCtx, cancelConns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelConns()
	r.handlerCtx, r.cancelHandlers = context.WithCancel(context.WithoutCancel(ctx))
	defer r.cancelHandlers()
	serving := r.conns.ServeBackground(connsCtx)
	accepting := r.acceptors.ServeBackground(acceptCtx)
	r.log.Info().Str("network", cfg.network).Str("addr", r.boundAddr).Msg("listening")

	var result error
	select {
	case <-ctx.Done():
	case <-accepting:
		// Only a given Listener's failure ends the acceptor's subtree
		// while ctx is live: stop what is left and hand the fault up,
		// without the suture sentinel that ended the subtree, which
		// would end the parent's tree too.
		accepting = nil
		cause := r.listenerErr
		if cause == nil {
			cause = errors.New("the acceptor's supervisor ended")
		}
		result = fmt.Errorf("listener %s: %w: %w", cfg.name, ErrListenerFailed, cause)
		r.log.Error().Err(cause).Msg("listener failed; stopping")
	}

	stopAccepting()
	if accepting != nil {
		<-accepting
	}
	if l := r.cfg.listener; l != nil {
		l.Close()
	}
	r.drain(cfg.drainTimeout(ctx))
	// Every handler has returned; what is left of the connection
	// supervisors is suture's bookkeeping.
	cancelConns()
	<-serving
	r.log.Info().Msg("stopped")
	return result
}

// Ready returns a channel that is closed once the Server has bound its
// address and is accepting. It may be called before Serve, and stays closed
// across restarts.
func (s *Server) Ready() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyLocked()
}

func (s *Server) readyLocked() chan struct{} {
	if s.ready == nil {
		s.ready = make(chan struct{})
	}
	return s.ready
}

// BoundAddr returns the address the Server is bound to, or nil before its
// first bind. With port 0 in Addr, this is where to find the port the
// kernel chose.
func (s *Server) BoundAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

func (s *Server) setBound(addr net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr = addr
	ready := s.readyLocked()
	select {
	case <-ready:
	default:
		close(ready)
	}
}

// String names the Server for suture's logs and reports: Name, or
// "listener " and the address it binds or the given Listener's.
func (s *Server) String() string {
	switch {
	case s.Name != "":
		return s.Name
	case s.Listener != nil:
		return "listener " + s.Listener.Addr().String()
	}
	return "listener " + s.Addr
}

// RunningParts names the parts of the Server still running: its acceptor and
// each open connection by remote address. It is how a stop report names a
// stuck connection (see supervisor.Run). It returns nil when the Server is
// not serving.
func (s *Server) RunningParts() []string {
	s.mu.Lock()
	r := s.running
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.parts()
}
