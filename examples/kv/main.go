// Command kv is a Redis-protocol key-value server built on seam: a listener,
// an append-only file and an expiry sweep, each a service in one suture
// supervision tree. Unmodified redis-cli and redis-benchmark work against
// it, and it loses no write it has acknowledged.
//
//	go run ./examples/kv                 # 127.0.0.1:6380, kv.aof in the working directory
//	redis-cli -p 6380 set greeting hello
//
// Flags:
//
//	-addr      address to listen on (default 127.0.0.1:6380)
//	-aof       append-only file; empty disables persistence (default kv.aof)
//	-fsync     always, everysec or no (default everysec)
//	-maxconns  most connections open at once; 0 means no cap (default 10000)
//	-drain     how long a graceful stop waits for connections (default 5s)
//
// SIGINT or SIGTERM stops it gracefully: the listener stops accepting and
// drains its connections, then the append-only file is written, synced and
// closed, and the process exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/supervisor"
	"github.com/thejerf/suture/v4"
)

// config is what the flags set.
type config struct {
	addr     string
	aofPath  string
	fsync    aof.Fsync
	maxConns int
	drain    time.Duration
	logger   zerolog.Logger

	// openAOF replaces how the append-only file is opened for writing, so
	// that tests can put a failing disk under it.
	openAOF func(path string) (aof.File, error)
	// failureBackoff replaces the tree's pause after repeated failures, so
	// that tests of a recovery need not wait 15 seconds.
	failureBackoff time.Duration
}

func main() {
	cfg := config{}
	var fsync string
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:6380", "address to listen on")
	flag.StringVar(&cfg.aofPath, "aof", "kv.aof", "append-only file; empty disables persistence")
	flag.StringVar(&fsync, "fsync", "everysec", "when to fsync the append-only file: always, everysec or no")
	flag.IntVar(&cfg.maxConns, "maxconns", 10000, "most connections open at once; 0 means no cap")
	flag.DurationVar(&cfg.drain, "drain", 5*time.Second, "how long a graceful stop waits for connections to finish")
	flag.Parse()

	cfg.logger = consoleLogger()
	var err error
	if cfg.fsync, err = aof.ParseFsync(fsync); err != nil {
		cfg.logger.Error().Err(err).Msg("bad -fsync")
		os.Exit(2)
	}
	a, err := newApp(cfg)
	if err != nil {
		cfg.logger.Error().Err(err).Msg("kv cannot start")
		os.Exit(1)
	}
	if err := a.run(context.Background()); err != nil {
		cfg.logger.Error().Err(err).Msg("kv stopped with an error")
		os.Exit(1)
	}
}

// consoleLogger writes pretty lines to stderr, in colour only on a
// terminal, so that logs piped to a file or a test stay plain text.
func consoleLogger() zerolog.Logger {
	// main owns the process, so it may set zerolog's one global: the
	// timestamp precision the console shows.
	zerolog.TimeFieldFormat = time.RFC3339Nano
	fi, err := os.Stderr.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05.000", NoColor: !tty}).
		With().Timestamp().Logger()
}

// app is the kv server's supervision tree, built and loaded but not yet
// running:
//
//	kv (root)
//	├── listener kv ..... seam's accept loop; each connection runs server.Handler
//	├── aof <path> ...... the append-only file writer (unless -aof "")
//	└── expire .......... the active expiry sweep, every 100ms
type app struct {
	cfg      config
	root     *suture.Supervisor
	listener *drainSignal
	aof      *aof.Writer
	store    *store.Store
	handler  *server.Handler
}

// newApp validates cfg, replays the append-only file into a fresh store and
// builds the tree. Nothing listens until run.
func newApp(cfg config) (*app, error) {
	if cfg.drain <= 0 {
		return nil, fmt.Errorf("kv: -drain %v must be positive", cfg.drain)
	}
	if cfg.maxConns < 0 {
		return nil, fmt.Errorf("kv: -maxconns %d must not be negative", cfg.maxConns)
	}
	if err := checkAddr(cfg.addr); err != nil {
		return nil, err
	}
	log := cfg.logger

	// The listener has its own stop grace on top of its drain; the AOF
	// waits that long for it, and the root must outlast both, or suture
	// abandons the AOF before its final flush.
	aofWait := cfg.drain + 3*time.Second
	stopTimeout := aofWait + 5*time.Second

	a := &app{cfg: cfg}
	a.listener = &drainSignal{
		Server: &listener.Server{
			Name:         "listener kv",
			Addr:         cfg.addr,
			MaxConns:     cfg.maxConns,
			DrainTimeout: cfg.drain,
			Logger:       log,
		},
		done: make(chan struct{}),
	}
	var journal store.Journal
	if cfg.aofPath != "" {
		w, err := aof.New(aof.Config{
			Path:         cfg.aofPath,
			Fsync:        cfg.fsync,
			Logger:       log,
			Drained:      a.listener.done,
			DrainTimeout: aofWait,
			OpenFile:     cfg.openAOF,
		})
		if err != nil {
			return nil, err
		}
		a.aof, journal = w, w
	}
	a.store = store.New(journal)
	a.handler = server.New(server.Config{
		Store:    a.store,
		AOF:      a.aof,
		Listener: a.listener.Server,
		MaxConns: cfg.maxConns,
	})
	a.listener.Handler = a.handler

	if a.aof != nil {
		// Nothing may expire during the replay: see store.SetLoading.
		a.store.SetLoading(true)
		res, err := a.aof.Load(a.handler.Replay)
		a.store.SetLoading(false)
		if err != nil {
			return nil, err
		}
		log.Info().Int("records", res.Records).Int("keys", a.store.Len()).Msg("keyspace restored")
	}

	a.root = supervisor.New("kv", supervisor.Config{
		Logger:         log,
		StopTimeout:    stopTimeout,
		FailureBackoff: cfg.failureBackoff,
	})
	a.root.Add(a.listener)
	if a.aof != nil {
		a.root.Add(a.aof)
	}
	a.root.Add(&services.Periodic{
		Name:     "expire",
		Interval: 100 * time.Millisecond, // Redis's hz 10
		Logger:   log,
		Func: func(context.Context) error {
			// A journal error leaves expired keys invisible but in place;
			// the AOF writer reports and recovers from it, and the next
			// sweep tries again.
			_, _ = a.store.Sweep(25 * time.Millisecond)
			return nil
		},
	})
	return a, nil
}

// run serves the tree until ctx ends or SIGINT/SIGTERM arrives, then stops
// it gracefully.
func (a *app) run(ctx context.Context) error {
	return supervisor.Run(ctx, a.root, supervisor.RunConfig{
		Logger:          a.cfg.logger,
		ShutdownTimeout: a.cfg.drain + 15*time.Second,
	})
}

// checkAddr fails fast when a fixed port is taken. The listener would keep
// retrying the bind under its supervisor, which is right for a socket that
// breaks while serving, but a server started on a busy port should say so
// and exit, as redis-server does.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("kv: -addr %q: %w", addr, err)
	}
	if port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("kv: cannot listen on %s: %w", addr, err)
	}
	return ln.Close()
}

// drainSignal is the listener with one addition: when its Serve returns
// because the tree is stopping, every connection has ended, so nothing can
// append to the AOF any more; done is closed to tell the AOF writer it can
// close the file. The signal works whatever order suture stops its children
// in.
type drainSignal struct {
	*listener.Server
	done chan struct{}
	once sync.Once
}

// Serve runs the listener and signals done once it has stopped for good.
func (d *drainSignal) Serve(ctx context.Context) error {
	err := d.Server.Serve(ctx)
	if ctx.Err() != nil {
		d.once.Do(func() { close(d.done) })
	}
	return err
}
