// Command echo is the smallest seam server: a TCP echo service under a
// supervision tree, answering line by line, with pretty console logs.
// SIGINT or SIGTERM stops it gracefully and it exits 0; a second signal
// ends it at once.
//
//	go run ./examples/echo -addr 127.0.0.1:7007
//	nc 127.0.0.1 7007
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
	if err := fs.Parse(args); err != nil {
		return err
	}

	log := zerolog.New(consoleWriter(logTo)).With().Timestamp().Logger()
	srv := &listener.Server{
		Name:     "echo",
		Addr:     *addr,
		Handler:  listener.HandlerFunc(echoLines),
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

// echoLines writes every line it reads back to the client. It watches ctx
// the way a seam handler should: when the server stops, a read that is
// waiting for the next line is cut short, while a line already read is
// echoed in full.
func echoLines(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	log := zerolog.Ctx(ctx)
	log.Debug().Msg("client connected")
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
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

// consoleWriter writes human-friendly logs, coloured only on a terminal.
func consoleWriter(f *os.File) zerolog.ConsoleWriter {
	fi, err := f.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly, NoColor: !tty}
}
