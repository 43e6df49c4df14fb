// Command kv is a Redis-protocol key-value server built on seam: an
// append-only file, an expiry sweep and a listener, started in that order
// by one supervisor.Group. Unmodified redis-cli and redis-benchmark work
// against it, and it loses no write it has acknowledged.
//
//	go run ./examples/kv                 # 127.0.0.1:6380, kv.aof in the working directory
//	redis-cli -p 6380 set greeting hello
//
// Flags:
//
//	-addr              address to listen on (default 127.0.0.1:6380)
//	-aof               append-only file; empty disables persistence (default kv.aof)
//	-fsync             always, everysec or no (default everysec)
//	-maxconns          most connections open at once; 0 means no cap (default 10000)
//	-timeout           close a client idle for this many seconds, as Redis's timeout; 0 means never (default 0)
//	-shutdown-timeout  the whole graceful stop's budget, as Redis 7's shutdown-timeout (default 10s)
//	-client-query-buffer-limit  most one command may hold, as Redis's (default 1gb)
//	-proto-max-bulk-len         longest bulk string a client may send, as Redis's (default 512mb)
//	-loglevel          debug, info, warn or error (default info)
//	-logformat         auto, console or json; auto is console on a terminal, JSON otherwise
//
// A client over -maxconns gets Redis's "-ERR max number of clients
// reached" at once, and its connection is closed.
//
//	-admin             address of the admin endpoints (/healthz, /readyz, /metrics, /debug/tree); empty: none (default "")
//	-lameduck          how long to keep serving, not ready, after SIGTERM before the stop (default 0)
//	-auto-aof-rewrite-percentage  rewrite the file when it has grown by this much since the last rewrite; 0: never (default 100)
//	-auto-aof-rewrite-min-size    no automatic rewrite below this size (default 64mb)
//	-notify-keyspace-events       keyspace notifications to publish, as Redis's (e.g. KEA); CONFIG SET changes them (default none)
//
// Who may connect, named as Redis names its settings (see the README's
// Security):
//
//	-requirepass-file  file holding the password clients give with AUTH; -requirepass takes it inline (visible in ps)
//	-protected-mode    yes: with no password, only 127.0.0.1, ::1 and the unix socket are served; no: anyone (default yes)
//	-tls-addr          a TLS port beside -addr, or instead of it with -addr "" (default none)
//	-tls-cert-file, -tls-key-file  its certificate and key, reloaded when they change
//	-tls-ca-cert-file  CA of client certificates; -tls-auth-clients yes|no|optional (default yes with a CA)
//	-unixsocket        a unix socket beside -addr; -unixsocketperm its mode in octal (default 600)
//	-admin-token-file  bearer token of the admin endpoints but /healthz, /readyz and /metrics
//
// At start the listener binds as soon as the append-only file is locked,
// and while the file is replayed it answers as redis-server does: "-LOADING
// Redis is loading the dataset in memory" to every command that needs the
// keyspace (PING included), INFO with the load's progress; /readyz is 503
// until the keyspace is whole, /healthz 200. A corrupt file, or a fixed port
// already in use, fails the start: kv logs why and exits 1, as
// redis-server does.
//
// With -upgrade, SIGHUP upgrades kv in place, the append-only file
// included: kv stops accepting (the socket stays open, and clients that
// connect wait in its backlog), finishes and answers the commands in hand,
// writes, syncs and unlocks the file, and starts the binary at the same
// path on the same socket; the successor loads the file and only then
// accepts, and kv exits. If the successor fails, kv takes the file back and
// accepts again.
//
// SIGINT or SIGTERM stops it gracefully, in reverse order, within
// -shutdown-timeout: the listener stops accepting and drains its
// connections, the sweep stops, then the append-only file is written,
// synced and closed, and the process exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/cloudflare/tableflip"
	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/handoff"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

// loadTimeout bounds how long the append-only file may take to load. A
// supervisor.Group gives each child a minute to be ready by default, but a
// large file takes as long as it takes, as it does for redis-server.
const loadTimeout = time.Hour

// config is what the flags set.
type config struct {
	addr            string
	aofPath         string
	fsync           aof.Fsync
	maxConns        int
	idleTimeout     time.Duration
	hibernateAfter  time.Duration
	shutdownTimeout time.Duration
	maxQueryBuffer  int64
	maxBulkLen      int64
	adminAddr       string
	proxyTrusted    []netip.Prefix // load balancers whose PROXY header is read
	lameDuck        time.Duration
	upgradePIDFile  string // -upgrade: upgrade in place at SIGHUP
	rewritePct      int
	rewriteMinSize  int64
	keyspaceEvents  server.KeyspaceEvents // -notify-keyspace-events
	logger          zerolog.Logger
	sec             security // who may connect and what they may do (security.go)

	// openAOF replaces how the append-only file is opened for writing, so
	// that tests can put a failing disk under it.
	openAOF func(path string) (aof.File, error)

	// onReady, when set, is called once the whole tree is ready and
	// /readyz answers 200 (supervisor.RunConfig.OnReady), so that tests
	// wait for that rather than for the group alone.
	onReady func()
	// beforeRecord, if set, is called before each record of the
	// append-only file is replayed, so that tests can hold a load half
	// done.
	beforeRecord func()
}

func main() {
	flag.Usage = func() { usage(flag.CommandLine.Output(), flag.CommandLine) }
	cfg := config{}
	var fsync string
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:6380", "address to listen on")
	flag.StringVar(&cfg.aofPath, "aof", "kv.aof", "append-only file; empty disables persistence")
	flag.StringVar(&fsync, "fsync", "everysec", "when to fsync the append-only file: always, everysec or no")
	flag.IntVar(&cfg.maxConns, "maxconns", 10000, "most connections open at once; 0 means no cap")
	var idleSecs int
	flag.IntVar(&idleSecs, "timeout", 0, "close a client idle for this many seconds, as Redis's timeout; 0 means never")
	flag.DurationVar(&cfg.hibernateAfter, "hibernate-after", time.Second,
		"a client idle this long gives up its goroutine until its next bytes, keeping its state (Linux); 0 means never")
	flag.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second,
		"how long a graceful stop may take in all: draining connections, then flushing the append-only file")
	queryBuffer := flag.String("client-query-buffer-limit", "1gb",
		"most bytes one command may make a client hold (as Redis: 1048576, 64mb, 1gb); past it the client is closed")
	bulkLen := flag.String("proto-max-bulk-len", "512mb",
		"longest bulk string a client may send (as Redis: 512mb); longer is a protocol error")
	level := flag.String("loglevel", "info", "debug, info, warn or error")
	format := flag.String("logformat", "auto", "auto (console on a terminal, JSON otherwise), console or json")
	flag.StringVar(&cfg.adminAddr, "admin", "", "address of the admin endpoints (/healthz, /readyz, /metrics, /debug/tree), e.g. 127.0.0.1:9121; empty: none")
	flag.DurationVar(&cfg.lameDuck, "lameduck", 0,
		"after SIGTERM, how long to keep serving with /readyz at 503 before the stop begins (not part of -shutdown-timeout)")
	proxy := flag.String("proxy-protocol", "",
		"CIDR[,CIDR]: load balancers whose PROXY protocol header (v1/v2) names the client; empty: none")
	flag.StringVar(&cfg.upgradePIDFile, "upgrade", "",
		"PID file: at SIGHUP, start the binary at the same path on the same socket, hand it the append-only file, and stop once it is ready, writing the serving PID there; empty: no upgrade")
	flag.IntVar(&cfg.rewritePct, "auto-aof-rewrite-percentage", 100,
		"rewrite the append-only file when it has grown by this percentage over its size after the last rewrite; 0 turns it off")
	minSize := flag.String("auto-aof-rewrite-min-size", "64mb", "no automatic rewrite of an append-only file smaller than this (as Redis: 64mb)")
	events := flag.String("notify-keyspace-events", "",
		"classes of keyspace notifications to publish, Redis's letters (KEA: all, on both kinds of channel); CONFIG SET changes them; empty: none")

	// Who may connect and what they may do: security.go.
	secFlags := addSecurityFlags(flag.CommandLine)
	flag.Parse()

	cfg.idleTimeout = time.Duration(idleSecs) * time.Second
	logger, err := newLogger(os.Stderr, *level, *format)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv:", err)
		os.Exit(2)
	}
	cfg.logger = logger
	if cfg.fsync, err = aof.ParseFsync(fsync); err != nil {
		cfg.logger.Error().Err(err).Msg("bad -fsync")
		os.Exit(2)
	}
	if cfg.maxQueryBuffer, err = parseSize("client-query-buffer-limit", *queryBuffer); err == nil {
		cfg.maxBulkLen, err = parseSize("proto-max-bulk-len", *bulkLen)
	}
	if err == nil {
		cfg.proxyTrusted, err = listener.ParsePrefixes(*proxy)
	}
	if err == nil {
		cfg.rewriteMinSize, err = parseSize("auto-aof-rewrite-min-size", *minSize)
	}
	if err == nil {
		cfg.keyspaceEvents, err = server.ParseKeyspaceEvents(*events)
	}
	if err == nil {
		cfg.sec, err = secFlags.resolve()
	}
	if err != nil {
		cfg.logger.Error().Err(err).Msg("bad flag")
		os.Exit(2)
	}
	a, err := newApp(cfg)
	if err != nil {
		cfg.logger.Error().Err(err).Msg("kv cannot start")
		os.Exit(1)
	}
	if err := a.run(context.Background()); err != nil {
		msg := "kv stopped with an error"
		if errors.Is(err, supervisor.ErrStartFailed) {
			msg = "kv cannot start"
		}
		cfg.logger.Error().Err(err).Msg(msg)
		os.Exit(1)
	}
}

// app is the kv server's supervision tree, built but not yet running: one
// group that starts its children in order, each once the one before is
// ready, and stops them in reverse order.
//
//	kv (supervisor.Group)
//	├── admin ........... probes, metrics and the tree (only with -admin)
//	├── aof <path> ...... locks the append-only file (ready then), replays it, then keeps it
//	│                     (unless -aof ""), retried in place when it fails (services.Retry)
//	├── aof rewrite ..... BGREWRITEAOF and the automatic rewrite (unless -aof "")
//	├── expire .......... the active expiry sweep, every 100ms
//	├── pubsub .......... the actor that owns every subscription
//	├── reclaim ......... gives freed memory back to the system after large frees, every 1s
//	├── listener kv ..... seam's accept loop; each connection runs server.Handler,
//	│                     which answers -LOADING until the keyspace is loaded
//	└── keyspace ........ ready once the file is loaded (unless -aof "")
//
// The keyspace child carries the keyspace's readiness apart from the
// listener's: the listener serves as soon as it is bound, the group (and
// so /readyz, and the signal that ends a previous process at an upgrade)
// is ready only once the keyspace is whole. The successor of an upgrade
// starts keyspace before the listener instead, so that the clients queued
// in the socket's backlog are served by a whole keyspace rather than
// answered -LOADING. Stopping in reverse order, the listener drains before
// the file's final flush either way.
type app struct {
	cfg       config
	root      *supervisor.Group
	health    *supervisor.Health
	admin     *admin.Server // nil without -admin
	listener  *listener.Server
	aof       *aof.Writer
	store     *store.Store
	handler   *server.Handler
	hub       *pubsub.Hub
	upgrader  *handoff.Upgrader // nil without -upgrade
	handover  *handover         // the upgrade with -aof: nil without either
	gcPercent int               // GOGC to restore once the file is loaded (loading.go)
	rewriter  *aof.Rewriter     // nil with -aof ""

	// The TLS port and the unix socket beside listener, and the TLS
	// certificate's reloader (security.go); nil when not asked for.
	tlsListener, unixListener *listener.Server
	certs                     *listener.CertReloader
}

// newApp validates cfg and builds the tree. Nothing touches the disk or
// the network until run: the file is loaded, and the port bound, by the
// tree's start.
func newApp(cfg config) (*app, error) {
	if cfg.shutdownTimeout <= 0 {
		return nil, fmt.Errorf("kv: -shutdown-timeout %v must be positive", cfg.shutdownTimeout)
	}
	if cfg.maxConns < 0 {
		return nil, fmt.Errorf("kv: -maxconns %d must not be negative", cfg.maxConns)
	}
	if cfg.hibernateAfter < 0 {
		return nil, fmt.Errorf("kv: -hibernate-after %v must not be negative", cfg.hibernateAfter)
	}
	if cfg.idleTimeout < 0 {
		return nil, fmt.Errorf("kv: -timeout %v must not be negative", cfg.idleTimeout)
	}
	if _, _, err := net.SplitHostPort(cfg.addr); err != nil && (cfg.addr != "" || cfg.sec.tlsAddr == "") {
		return nil, fmt.Errorf("kv: -addr %q: %w", cfg.addr, err)
	}
	if cfg.maxQueryBuffer < 0 || cfg.maxBulkLen < 0 || cfg.maxBulkLen > math.MaxInt {
		return nil, fmt.Errorf("kv: -client-query-buffer-limit %d and -proto-max-bulk-len %d must not be negative", cfg.maxQueryBuffer, cfg.maxBulkLen)
	}
	if cfg.lameDuck < 0 {
		return nil, fmt.Errorf("kv: -lameduck %v must not be negative", cfg.lameDuck)
	}
	log := cfg.logger

	a := &app{cfg: cfg, health: &supervisor.Health{}}
	// DrainTimeout is left unset: the listener drains within its share
	// of -shutdown-timeout, keeping some for closing stragglers by force.
	a.listener = &listener.Server{
		Name:        "listener kv",
		Addr:        cfg.addr,
		MaxConns:    cfg.maxConns,
		Reject:      listener.HandlerFunc(rejectClient),
		IdleTimeout: cfg.idleTimeout,
		// An idle client holds no goroutine, nor one that has yet to
		// send its first command: see server/hibernate.go.
		HibernateAfter: cfg.hibernateAfter,
		Logger:         log,
		// Behind a balancer, CLIENT LIST and the logs show the client.
		ProxyProtocol: listener.ProxyProtocol{Trusted: cfg.proxyTrusted},
	}
	var journal store.Journal
	if cfg.aofPath != "" {
		// The writer, the store and the handler need one another: the
		// closures reach the handler and the store once they exist.
		w, err := aof.New(aof.Config{
			Path:     cfg.aofPath,
			Fsync:    cfg.fsync,
			Logger:   log,
			Replay:   a.replay,
			Loaded:   a.loaded,
			OpenFile: cfg.openAOF,
			// The listener starts once the file is locked, and answers
			// -LOADING while it loads; the keyspace child below keeps
			// the tree not ready until then.
			ReadyOnLock: true,
		})
		if err != nil {
			return nil, err
		}
		a.aof, journal = w, w
		a.rewriter, err = aof.NewRewriter(aof.RewriterConfig{
			Writer:     w,
			Dump:       func(ctx context.Context, s *aof.RewriteSink) error { return a.store.Rewrite(ctx, s) },
			Percentage: cfg.rewritePct,
			MinSize:    cfg.rewriteMinSize,
			Logger:     log,
		})
		if err != nil {
			return nil, err
		}
	}
	a.store = store.New(journal)
	if a.aof != nil {
		// Nothing may expire until the file is replayed (see
		// store.SetLoading); loaded switches expiry back on.
		a.store.SetLoading(true)
	}
	a.hub = pubsub.NewHub(pubsub.Config{Logger: log})
	a.handler = server.New(server.Config{
		Store:          a.store,
		AOF:            a.aof,
		Rewriter:       a.rewriter,
		Listener:       a.listener,
		MaxConns:       cfg.maxConns,
		PubSub:         a.hub,
		MaxBulkLen:     int(cfg.maxBulkLen),
		MaxQueryBuffer: cfg.maxQueryBuffer,
		RequirePass:    cfg.sec.password,
		ProtectedMode:  cfg.sec.protectedMode,
		KeyspaceEvents: cfg.keyspaceEvents,
	})
	a.listener.Handler = a.handler
	a.listener.HibernateAtAccept = a.handler.WaitsForClient
	// serving is the listener as the tree runs it: paused and resumed
	// around an upgrade's handover of the append-only file.
	var serving suture.Service = a.listener
	if cfg.upgradePIDFile != "" {
		upg, err := handoff.New(tableflip.Options{PIDFile: cfg.upgradePIDFile})
		if err != nil {
			return nil, fmt.Errorf("kv: -upgrade: %w", err)
		}
		a.upgrader, a.listener.Bind = upg, upg.Bind
		if a.aof != nil {
			p := newPausable(a.listener)
			serving = p
			a.handover = &handover{Upgrader: upg, serving: p, aof: a.aof, log: log}
		}
	}

	secured, err := a.secure()
	if err != nil {
		return nil, err
	}

	var children []suture.Service
	if cfg.adminAddr != "" {
		// First, so that it answers probes (503) while the file loads
		// and through the whole stop.
		a.admin = &admin.Server{Addr: cfg.adminAddr, Health: a.health, Logger: log,
			Token: cfg.sec.adminToken, Gatherer: a.metrics()}
		if a.upgrader != nil {
			// The new binary inherits the admin port with the
			// others: it could not bind it while this one serves.
			a.admin.Bind = a.upgrader.Bind
		}
		children = append(children, a.admin)
	}
	if a.aof != nil {
		// A full disk fails the writer at every attempt until space is
		// freed. Retried in place (100ms doubling to 1s) it is back
		// within a second of the space; left to the group, five quick
		// failures would pause every restart for 15s.
		children = append(children, &services.Retry{Service: a.aof, Logger: log})
		// After the writer: it rewrites a loaded file, and stops (ending
		// a rewrite in progress) before the writer's final flush.
		children = append(children, a.rewriter)
	}
	children = append(children, &services.Periodic{
		Name:     "expire",
		Interval: 100 * time.Millisecond, // Redis's hz 10
		Logger:   log,
		Job: func(context.Context) error {
			// A journal error leaves expired keys invisible but in place;
			// the AOF writer reports and recovers from it, and the next
			// sweep tries again.
			_, _ = a.handler.Sweep(25 * time.Millisecond)
			return nil
		},
	}, &services.Periodic{
		Name:     "reclaim",
		Interval: time.Second,
		Job: (&reclaimer{let: func() int64 {
			return a.store.Freed() + a.handler.BigRead()
		}}).reclaim,
		Logger: log,
	}, a.hub)
	// The listeners: the plain one as the tree runs it, and the TLS port
	// and the unix socket beside it.
	listeners := append([]suture.Service{serving}, secured...)
	switch {
	case a.aof == nil:
		children = append(children, listeners...)
	case a.upgrader != nil && a.upgrader.HasParent():
		// The successor of an upgrade: its clients have waited in the
		// socket's backlog since the previous process stopped
		// accepting, and wait there until the keyspace is whole rather
		// than be answered -LOADING, which most clients report as an
		// error: they see a pause, not a failure.
		children = append(append(children, keyspaceLoaded{a.aof}), listeners...)
	default:
		children = append(append(children, listeners...), keyspaceLoaded{a.aof})
	}
	a.root = &supervisor.Group{
		Name:         "kv",
		Services:     children,
		StartTimeout: loadTimeout,
		Logger:       log,
	}
	return a, nil
}

// maxClientsReply is what redis-server answers a client over maxclients.
const maxClientsReply = "-ERR max number of clients reached\r\n"

// rejectClient answers a connection over -maxconns as redis-server does;
// the listener then closes it.
func rejectClient(_ context.Context, c net.Conn) error {
	_, err := io.WriteString(c, maxClientsReply)
	return err
}

// loaded ends the replay of the append-only file, before the keyspace child
// is ready.
func (a *app) loaded(res aof.LoadResult) {
	a.store.SetLoading(false)
	a.restoreGC()
	a.cfg.logger.Info().Int("records", res.Records).Int("keys", a.store.Len()).Msg("keyspace restored")
}

// run serves the tree until ctx ends or SIGINT/SIGTERM arrives, then stops
// it gracefully within -shutdown-timeout. With -upgrade, SIGHUP starts the
// successor, and this tree stops the same way once it is ready. A start that fails (a corrupt
// append-only file, a busy port) returns at once a *supervisor.StartError
// that names the child and wraps its cause.
func (a *app) run(ctx context.Context) error {
	cfg := supervisor.RunConfig{
		Logger:          a.cfg.logger,
		ShutdownTimeout: a.cfg.shutdownTimeout,
		Health:          a.health,
		LameDuck:        a.cfg.lameDuck,
		OnReady:         a.cfg.onReady,
	}
	switch {
	case a.handover != nil:
		cfg.Upgrader = a.handover
	case a.upgrader != nil:
		cfg.Upgrader = a.upgrader // a nil *handoff.Upgrader would not be a nil interface
	}
	if a.aof != nil {
		a.loadGC()
	}
	return supervisor.Run(ctx, a.root, cfg)
}
