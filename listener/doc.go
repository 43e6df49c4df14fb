// Package listener runs a network accept loop and its connections as a
// subtree of a suture supervision tree, so a server can be started,
// restarted after a fault and stopped gracefully inside a larger program.
//
// # Shape
//
// A [Server] is a suture.Service. Its Serve runs two supervisors of its own:
//
//	listener "kv"
//	├── kv/acceptor ...... the accept loop; restarted (and re-bound) after a fault
//	└── kv/conns ......... connection supervisors, each retired after a
//	    │                  million connections, before suture's 32-bit
//	    │                  service ids could wrap
//	    └── kv/conns/1 ... one transient service per connection
//
// Connections are never restarted and their panics are recovered, so a bad
// connection costs only itself and never pushes the acceptor into suture's
// restart backoff. The acceptor failing leaves the connections alone.
//
// # Handlers
//
// A [Handler] serves one connection. Its ctx is cancelled when the listener
// stops, it carries a per-connection zerolog logger (zerolog.Ctx), and the
// listener closes the connection when the handler returns. Work done for
// the request in hand, such as a call to an actor, takes
// [DrainContext](ctx) instead, which lives through the drain and ends when
// the connections are closed by force.
//
// # Graceful stop
//
// When Serve's ctx is cancelled the listener, in order: closes its socket,
// so no connection is accepted, after taking the connections the kernel
// had already accepted and queued (on Unix: closing would reset them, and
// a load balancer that dispatched a request just before it marked this
// instance down would see the reset), which are served with the others;
// cancels every connection's ctx; waits for
// the handlers to return, within its share of the stop budget that a
// supervisor.Run or Group hands down (supervisor.DrainTimeout), or
// DrainTimeout without one; closes the remaining connections by force; and
// returns once every goroutine it started has ended.
//
// # Suspend and resume
//
// [Server.Suspend] stops the acceptor while the socket stays bound, as
// for a maintenance window or while a dependency recovers; [Server.Resume]
// accepts again, first what waited. Three ways of not taking a client,
// told apart by what the client sees:
//
//   - Suspend: its connect succeeds into the kernel's backlog and it
//     waits, to be served after Resume; connections already open are
//     served all along. A backlog that fills up (its length is the
//     kernel's, net.core.somaxconn on Linux) drops or refuses the
//     excess, so keep a suspend short, or take the instance out of its
//     balancer first.
//   - Stop (cancelling Serve's ctx): the socket closes, a client in the
//     backlog is reset and a new one is refused, and open connections
//     are drained.
//   - [OverflowBacklog] at MaxConns: the same wait in the backlog as a
//     suspend, but the acceptor decides, and takes the next client as
//     soon as a connection ends.
//
// The state is the Server's: an acceptor restarted after a fault, and a
// later Serve, stay suspended until Resume. Stats().Suspended is 1 while
// suspended, so the admin service's /metrics, its /debug/tree and its
// POST /listeners/{name}/suspend and /resume show and drive it.
//
// # Examples
//
// The package's runnable examples, in example_test.go (go test -run
// Example -v ./listener runs them): ExampleServer, a listener in a suture
// tree; ExampleHandlerFunc, a handler that watches its ctx;
// ExampleServer_tls, a TLS server; ExampleServer_unix, a unix socket;
// ExampleServer_maxConns, a cap whose excess is answered at once;
// ExampleProxyProtocol, behind a load balancer; ExampleCertReloader, a
// certificate renewed without a restart; ExampleWaitReadable, a handler
// whose idle connections hold no buffer; ExampleServer_Suspend, a client
// that waits in the backlog while accepting is suspended. For
// tests of your own handlers, see package
// github.com/seamgo/seam/listener/seamtest.
//
// # Idle connections
//
// A handler that keeps a read buffer per connection holds it for as long as
// the client is quiet. WaitReadable waits for a connection's next bytes
// without a buffer, so that the handler can take one from a pool only when
// there is something to read. The listener's own frames under the handler
// stay small (about 100 bytes), so a handler that waits near the top of its
// goroutine keeps the 2 KiB starting stack.
//
// # Hibernation
//
// A goroutine per connection costs its stack (2 KiB at least) while the
// client is quiet, and a wake-up and a service's end at stop. With
// Server.HibernateAfter set, a connection that has waited that long can
// hibernate, as an Erlang process does: [WaitReadable] or [Waiter.Wait]
// returns [ErrHibernate], the handler returns [Hibernate] with the state
// it keeps for the client, and its goroutine and connection service end.
// The socket waits on the listener's own poller (one epoll instance per
// Serve, itself waited on through the runtime's poller, so no thread is
// held); bytes arriving start the Handler again as a new connection
// service, where [Woken] returns the state:
//
//	func (h *handler) ServeConn(ctx context.Context, conn net.Conn) error {
//		st := &client{}
//		if v, ok := listener.Woken(ctx); ok {
//			st = v.(*client)
//		}
//		var w listener.Waiter
//		w.Reset(conn)
//		for {
//			if err := w.Wait(); errors.Is(err, listener.ErrHibernate) {
//				return listener.Hibernate(st)
//			} else if err != nil {
//				return err
//			}
//			... // read and serve what came, leaving nothing buffered
//		}
//	}
//
// A hibernated connection is still open: it counts in Stats().Active
// and Stats().Hibernated, keeps its MaxConns slot and MaxConnsPerIP
// share, and IdleTimeout closes it. A stop closes it at once, without
// waking anything (it holds no request); Suspend leaves it asleep. A
// state that is an [io.Closer] is closed when the listener ends its
// connection asleep (at stop, for IdleTimeout, or when the client
// closes it without sending a byte, or a Close from another goroutine
// shuts it), so the handler can forget the client. TLS connections
// never hibernate. Hibernation is Linux's alone: elsewhere the setting
// is ignored.
//
// A connection can also be born asleep: Server.HibernateAtAccept, for a
// protocol whose client speaks first, parks each new connection it
// approves at accept, and the Handler's first ServeConn starts with the
// client's first bytes. A client that connects and says nothing (a
// pool's spare connection, a browser's preconnect) then holds no
// goroutine and no handler state at all. At a graceful stop such a
// connection is given until DrainTimeout for its first request, as a
// handler yet to read one would be, and is closed asleep if none comes.
//
// # Faults
//
// Temporary accept errors (EMFILE, ENFILE, ECONNABORTED...) pause the
// acceptor, from AcceptBackoffMin doubling to AcceptBackoffMax, with a few
// log lines per burst. Any other accept error ends the acceptor; its
// supervisor restarts it and it binds the same address again.
//
// # Overload
//
// Excess load is answered, never left hanging. At MaxConns open
// connections the default [OverflowReject] accepts each new connection,
// answers it through the Server's Reject handler (or closes it at once
// without one) and closes it, off the accept loop, bounded by a deadline
// and in number, so that a slow client cannot stall accepting.
// [OverflowBacklog] instead stops accepting until a connection ends.
// MaxConnsPerIP bounds what one client address can hold; its excess is
// always rejected. IdleTimeout closes a connection that sends nothing,
// and TLSHandshakeTimeout one that does not finish its TLS handshake.
//
// A flood of new connections (clients that connect, send a few bytes and
// close, as fast as they are taken) is pushed back to its source by the
// kernel's accept queue, whose length is Backlog: 511 by default, as
// redis-server and nginx have it, rather than the thousands net.Listen
// asks for. While the Server is behind, the flood's excess waits in that
// queue; once it is full the kernel drops their handshakes, and each
// flooding client waits out its retransmission timeout (a second at
// first). A long queue would let the flood keep thousands of connections
// waiting and keep opening more, and a flood from the same machine would
// then burn the processors that the clients already served need.
//
// # Behind a load balancer
//
// Behind a TCP load balancer every peer is the balancer. With
// [ProxyProtocol] set, a connection from one of its Trusted addresses
// starts with a PROXY protocol header (v1 or v2) naming the client, read
// on the connection's goroutine within a deadline, before the TLS
// handshake; RemoteAddr, the connection's log fields and MaxConnsPerIP
// then see the client. Untrusted peers are served with their own address
// and their bytes are never read as a header.
//
// # Certificate reload
//
// A [CertReloader] in TLSConfig.GetCertificate serves a certificate and
// key file pair and loads it again on Reload, or by itself when the files
// change, run as a suture service: new handshakes get the renewed
// certificate, open connections keep theirs, and a pair that fails to
// load leaves the previous one in use.
//
// At start the Server fits its cap to the open-file limit (RLIMIT_NOFILE),
// keeping a reserve for the rest of the process, so that the cap is reached
// before Accept fails for want of descriptors.
//
// # Platforms
//
// The package builds and serves wherever Go runs. Three things need a
// Unix (Linux, macOS, the BSDs): [WaitReadable] waits without a read only
// there, and elsewhere returns at once so that the Read waits; a stale
// unix socket file left by a dead process is removed before the bind; and
// the cap is fitted to RLIMIT_NOFILE, which Windows does not have.
// Hibernation (HibernateAfter) needs Linux's epoll.
package listener

// A connection's way through the package, one file a step: server.go's
// Serve makes a run (run.go), the one owner of a Serve's settings,
// counters and logger, that the acceptor, the tracker, the rejecter and
// each connection point to. accept.go (the acceptor, paced through a burst
// of errors by backoff.go) accepts the connection and wraps it (conn.go);
// track.go admits it against the caps and starts it under a connection
// supervisor, or reject.go answers it when admission refuses it. conn.go
// then serves it as a suture service: a trusted balancer's PROXY header
// (proxy.go, then the same admission), the idle timeout (idle.go), the
// TLS handshake, the Handler, and at its end track.go releases what
// admission counted, unless the handler hibernates it (hibernate.go),
// when poller_linux.go holds its socket until bytes wake it. drain.go ends the stragglers at a graceful stop;
// readable.go lets a handler wait for bytes without a buffer. bind.go
// opens the socket, listenbacklog_unix.go sets the length of its accept
// queue, fdlimit.go fits the cap to the open-file limit,
// certreload.go serves a reloadable certificate, and hooks.go holds the
// seams of the package's tests.
