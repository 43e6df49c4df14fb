package listener

import (
	"context"
	"crypto/tls"
	"fmt"
	"io/fs"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
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
	// process is removed first, a live one is an error. After the first
	// bind the port is pinned: a re-bind after an acceptor fault, and a
	// later Serve with the same Addr, bind the port the kernel chose then.
	Addr string

	// Handler serves each connection. Required.
	Handler Handler

	// UnixSocketPerm is the mode of a "unix" socket file that Serve binds.
	// Default 0600, owner only: whoever can write to a socket can connect
	// to it, so a wider mode (0660 shares it with a group) is a choice to
	// make, not one the process's umask makes. It is set after the bind
	// and before the first Accept, as redis-server sets its
	// unixsocketperm; until then the file has the mode the umask gives,
	// and a process that must close that window runs with a umask of 077.
	// Abstract sockets ("@name") have no mode; a given Listener is left as
	// it is.
	UnixSocketPerm fs.FileMode

	// TLSConfig, when set, makes every connection a TLS server connection.
	// The handshake runs on the connection's goroutine, never in the
	// accept loop, before the Handler is called; a connection whose
	// handshake fails is closed without reaching the Handler. When the
	// Handler returns, the connection is closed with a close_notify
	// alert, unless its client had closed its socket without one: the
	// alert would only meet a closed socket.
	TLSConfig *tls.Config

	// TLSHandshakeTimeout bounds the TLS handshake, so that a client that
	// connects and never finishes it does not hold a slot for ever;
	// Stats().HandshakeTimeouts counts those it closes. A stop cuts a
	// handshake short too. Default 10s; negative means none.
	TLSHandshakeTimeout time.Duration

	// IdleTimeout, when set, closes a connection on which the handler's
	// Read has waited that long without a byte, as Redis's timeout does;
	// the Read returns an error wrapping [ErrIdleTimeout] and
	// Stats().IdleClosed counts it. Time the handler spends between
	// Reads is not idleness, and nor is a slow Write. The handler's own
	// read deadlines keep working beside it. 0 (the default) means none,
	// and costs nothing: the handler gets the accepted socket itself.
	// When set, the handler's conn wraps the socket (under the TLS layer,
	// with TLSConfig), whose NetConn method returns the socket; it adds a
	// clock read to each Read, not a timer reset.
	IdleTimeout time.Duration

	// HibernateAfter, when set, lets a connection that has waited that
	// long without a byte give up its goroutine and its connection
	// service, as an Erlang process hibernates: [WaitReadable] (or a
	// [Waiter]) returns [ErrHibernate] after HibernateAfter of waiting,
	// the handler returns [Hibernate] with the state it keeps for the
	// connection, and the listener parks the socket on a poller of its
	// own. Bytes arriving start the handler again, as a new
	// connection service, and [Woken] hands it the state; a client that
	// closes without sending a byte is closed asleep. See the package's Hibernation section. 0 (the default)
	// never hibernates. Linux only, through epoll: elsewhere, and for
	// TLS connections, the waits never return ErrHibernate.
	HibernateAfter time.Duration

	// HibernateAtAccept, when set with HibernateAfter, is asked of each
	// new plain connection whether it starts hibernated; it runs on the
	// accept loop, so it must be quick. A connection it says yes to is
	// parked on the poller by the acceptor, with no goroutine and no
	// connection service, and its Handler's first ServeConn begins when
	// the client's first bytes arrive (a first ServeConn: [Woken]
	// reports false). A client that connects and says nothing, as a
	// pool's spare connections and a browser's preconnects do, then
	// costs its socket and a few hundred bytes. A graceful stop gives it
	// until DrainTimeout for its first request, as a handler yet to read
	// one would be, then closes it asleep. It counts towards MaxConns,
	// MaxConnsPerIP, Stats.Hibernated and Stats.Unstarted, and
	// IdleTimeout closes it asleep. One whose first bytes are there when
	// it is accepted starts at once.
	//
	// It is for protocols in which the client speaks first (Redis, HTTP,
	// most RPC): a Handler that writes first (an SMTP greeting, a refusal
	// such as Redis's protected mode sends) would be heard only once the
	// client wrote, so say no for those connections. Connections with a
	// TLS handshake or a trusted balancer's PROXY header to read start at
	// once, since those have deadlines of their own from the accept.
	// Ignored where HibernateAfter is.
	HibernateAtAccept func(net.Conn) bool

	// ProxyProtocol, when its Trusted is set, reads a PROXY protocol
	// header (v1 or v2) from those load balancers before the TLS
	// handshake and the Handler, so that RemoteAddr, the connection's log
	// fields and MaxConnsPerIP see the client behind them; see
	// [ProxyProtocol] for the policy on untrusted peers and missing
	// headers. The zero value reads no header.
	ProxyProtocol ProxyProtocol

	// Bind, when set, opens the listening socket for Addr in place of
	// net.Listen, at the start and at every re-bind after an acceptor
	// fault. It is the place for a net.ListenConfig with socket options
	// (SO_REUSEPORT...), for inherited sockets (tableflip's
	// Upgrader.Listen has this signature), or for wrapping the listener
	// to observe or inject accept errors. A stale unix socket file is
	// removed before it is called.
	Bind func(network, address string) (net.Listener, error)

	// Listener, when set, is served instead of binding Addr (and Addr must
	// be empty). Serve closes it when it stops. A Listener cannot be bound
	// again, so when its Accept fails for good Serve stops gracefully and
	// returns an error wrapping [ErrListenerGone], leaving the decision to
	// restart to the parent supervisor; a later Serve returns such an
	// error at once.
	Listener net.Listener

	// Backlog is the length of the kernel's queue of connections it has
	// completed and the Server has yet to accept: listen(2)'s backlog.
	// Default 511, redis-server's tcp-backlog and nginx's; negative
	// means the system's maximum (net.core.somaxconn on Linux), which is
	// what net.Listen asks for. A short queue is what pushes a flood of
	// new connections back to its source: once the queue is full the
	// kernel drops their handshakes, and each flooding client waits out
	// its retransmission timeout (a second at first) instead of opening
	// thousands more while they wait their turn, so the clients already
	// served keep their share of the machine. The price is paid by every
	// client that connects while the queue is full, flooding or not: it
	// waits out that timeout too, as with redis-server; a longer queue
	// suits a server that takes bursts of many legitimate connects at
	// once (thousands of clients reconnecting together after a restart
	// of their balancer), or one suspended for long with OverflowBacklog.
	// It is set on every socket the Server binds (Addr, Bind), before it
	// is Ready; a given Listener keeps its own. The kernel caps it at its
	// maximum. On Windows the socket keeps the backlog net.Listen gave
	// it.
	Backlog int

	// MaxConns caps the connections open at once. What happens to a
	// connection over the cap is Overflow's choice.
	//
	// The cap must fit the process's open-file limit (RLIMIT_NOFILE,
	// whose soft limit Serve first raises to the hard one where it can),
	// or Accept would fail with EMFILE and leave clients in the backlog
	// unanswered. Serve keeps a reserve of descriptors for the rest of
	// the process, 64 for rejections in flight plus a sixteenth of the
	// limit (at least 32), and when MaxConns is more than the limit less
	// the reserve it logs a warning with both numbers and caps at that.
	// 0 (the default) caps at that too, and means no cap where the
	// limit is unlimited or unknown. Stats().MaxConns is the cap in
	// force. The check is per Server: several in one process should
	// each be given a MaxConns that together fit.
	MaxConns int

	// MaxConnsPerIP caps the connections open at once from one remote
	// IP address (IPv4-mapped IPv6 counted as IPv4); 0 means no cap. A
	// connection over it is rejected, as by OverflowReject, whatever
	// Overflow says: it is known only once accepted, and waiting for it
	// in the backlog would hold up every other client. Connections
	// without an IP address (unix sockets) are not counted. Behind a
	// trusted balancer (ProxyProtocol) the IP is the client's, known
	// once its header is read, so its excess is answered on its own
	// goroutine, holding a MaxConns slot (and counted in Active) until
	// Reject returns.
	MaxConnsPerIP int

	// Overflow is what happens to a connection over MaxConns. The
	// default, OverflowReject, accepts it, answers it through Reject and
	// closes it, so that excess load is answered at once rather than left
	// hanging; OverflowBacklog leaves it in the kernel's backlog until a
	// connection ends, as ranch and HAProxy do.
	Overflow Overflow

	// Reject answers a connection turned away over MaxConns by
	// OverflowReject, or over MaxConnsPerIP, for example with the protocol's "server busy" reply. It runs on a
	// goroutine of its own, never on the accept loop, with the
	// connection's deadline at RejectTimeout; the listener closes the
	// connection when it returns, after letting the client read the
	// answer (a half-close, then reading until the client closes or the
	// deadline passes). At most 64 rejections run at once; beyond that,
	// and when Reject is nil (the default), a connection over the cap is
	// closed at once: the client sees the connection end rather than
	// waiting. The conn is a TLS server connection when TLSConfig is set,
	// its handshake within the same deadline. ctx is cancelled when the
	// listener stops. A panic is recovered and logged.
	Reject Handler

	// RejectTimeout bounds each Reject: its connection's deadline, the
	// lingering close included. Default 1s.
	RejectTimeout time.Duration

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

	// Logger receives the listener's logs and is the parent of each
	// connection's logger. The zero value logs nothing.
	Logger zerolog.Logger

	// hooks are the seams of this package's tests; zero in production.
	hooks hooks

	counters counters
	pause    suspension  // Suspend's state, which outlives each Serve
	sock     bind.Socket // bound or given, pinned, Ready and BoundAddr

	mu      sync.Mutex
	running *run // the Serve in progress, for LiveWork
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
	r, err := s.newRun(ctx)
	if err != nil {
		return err
	}
	defer r.cancelHandlers()
	if err := s.claim(r); err != nil {
		return err
	}
	defer s.unclaim()
	if err := r.bindFirst(ctx); err != nil {
		return err
	}
	r.serveSubtrees(ctx)
	cause := r.waitForStop(ctx)
	r.stop(ctx)
	return cause
}

// claim records r as the Serve in progress, or refuses a second Serve of
// a Server already serving.
func (s *Server) claim(r *run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running != nil {
		return fmt.Errorf("%s: %w", errorName(s.String()), supervisor.ErrAlreadyServing)
	}
	s.running = r
	return nil
}

// unclaim forgets the Serve that has ended.
func (s *Server) unclaim() {
	s.mu.Lock()
	s.running = nil
	s.mu.Unlock()
}

// Ready returns a channel that is closed once the Server has bound its
// address and is accepting. It may be called before Serve, and stays closed
// across restarts.
func (s *Server) Ready() <-chan struct{} { return s.sock.Ready() }

// BoundAddr returns the address the Server is bound to, or nil before its
// first bind. With port 0 in Addr, this is where to find the port the
// kernel chose.
func (s *Server) BoundAddr() net.Addr { return s.sock.Addr() }

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

// LiveWork names the parts of the Server still running: its acceptor
// ("acceptor (suspended)" while [Server.Suspend] holds it) and each open
// connection by remote address. It is how a stop report names a stuck
// connection (see supervisor.Run). It returns nil when the Server is not
// serving.
func (s *Server) LiveWork() []string {
	s.mu.Lock()
	r := s.running
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	var p []string
	if r.acceptor.accepting.Load() {
		if r.pause.suspended() {
			p = append(p, "acceptor (suspended)")
		} else {
			p = append(p, "acceptor")
		}
	}
	return append(p, r.conns.parts()...)
}
