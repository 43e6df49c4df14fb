// Command echo is the smallest seam server: a TCP echo service under a
// supervision tree, answering line by line, with pretty console logs.
// SIGINT or SIGTERM stops it gracefully and it exits 0; a second signal
// ends it at once.
//
//	go run ./examples/echo -addr 127.0.0.1:7007
//	nc 127.0.0.1 7007
//
// It logs at info by default: the start, readiness and the stop. With
// -loglevel debug it also logs each client's arrival and departure.
//
// A line longer than -maxline (64 KiB by default) is refused: the client
// gets "ERR line too long (limit N bytes)" and the connection is closed,
// so one client cannot make the server hold an unbounded line.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stderr, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h asked for the usage, which the flag package has printed.
	case err != nil:
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// run parses flags, builds the tree and serves it until a signal or ctx
// ends it. bound, if not nil, gets the listener's address once it is
// accepting; it must have room for it. A busy port is run's error at once.
func run(ctx context.Context, args []string, logTo *os.File, bound chan<- net.Addr) error {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7007", "TCP address to listen on")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "how long a graceful stop may take before connections are closed by force")
	maxConns := fs.Int("maxconns", 10000, "most connections open at once (0: no cap)")
	maxLine := fs.Int("maxline", defaultMaxLine, "longest line echoed, in bytes, newline included; a longer one closes the connection")
	level := fs.String("loglevel", "info", "least severe level logged: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *maxLine <= 0 {
		return fmt.Errorf("-maxline %d must be positive", *maxLine)
	}
	lvl, err := zerolog.ParseLevel(*level)
	if err != nil || *level == "" {
		return fmt.Errorf("-loglevel %q is not one of debug, info, warn, error", *level)
	}

	// The level is set on this logger, not on zerolog's global, whose
	// default (debug) would log every connection.
	log := zerolog.New(consoleWriter(logTo)).Level(lvl).With().Timestamp().Logger()
	srv := &listener.Server{
		Name:     "echo",
		Addr:     *addr,
		Handler:  echoLines(*maxLine),
		MaxConns: *maxConns,
		Logger:   log,
	}
	tree := &supervisor.Group{Name: "echo", Logger: log, Services: []suture.Service{srv}}
	return supervisor.Run(ctx, tree, supervisor.RunConfig{
		Logger:          log,
		ShutdownTimeout: *shutdown,
		OnReady: func() {
			if bound != nil {
				bound <- srv.BoundAddr()
			}
		},
	})
}

// defaultMaxLine is -maxline's default: 64 KiB, Redis's bound on an
// inline command.
const defaultMaxLine = 64 << 10

// echoLines returns a handler that writes every line it reads back to the
// client, refusing lines longer than maxLine bytes. It watches ctx the way
// a seam handler should: when the server stops, a read that is waiting for
// the next line is cut short, while a line already read is echoed in full.
func echoLines(maxLine int) listener.HandlerFunc {
	return func(ctx context.Context, conn net.Conn) error {
		return serveLines(ctx, conn, maxLine)
	}
}

func serveLines(ctx context.Context, conn net.Conn, maxLine int) error {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	log := zerolog.Ctx(ctx)
	log.Debug().Msg("client connected")
	r := bufio.NewReaderSize(conn, min(maxLine, 4096))
	var line []byte
	for {
		var err error
		line, err = readLine(r, line[:0], maxLine)
		if errors.Is(err, errLineTooLong) {
			log.Debug().Int("limit", maxLine).Msg("line too long; connection closed")
			_, werr := fmt.Fprintf(conn, "ERR line too long (limit %d bytes)\n", maxLine)
			return werr
		}
		if len(line) > 0 {
			if _, werr := conn.Write(line); werr != nil {
				return werr
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			log.Debug().Msg("client left")
			return nil
		case ctx.Err() != nil:
			log.Debug().Msg("server stopping; connection closed")
			return nil
		default:
			return err
		}
	}
}

// errLineTooLong is readLine's error for a line longer than its limit.
var errLineTooLong = errors.New("echo: line too long")

// readLine appends the next line, newline included, to buf and returns it.
// It never holds more than max bytes: past that it returns
// errLineTooLong. At the end of the stream it returns what came before
// the error.
func readLine(r *bufio.Reader, buf []byte, max int) ([]byte, error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			return buf[:0], errLineTooLong
		}
		buf = append(buf, chunk...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

// consoleWriter writes human-friendly logs, coloured only on a terminal.
func consoleWriter(f *os.File) zerolog.ConsoleWriter {
	fi, err := f.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly, NoColor: !tty}
}
