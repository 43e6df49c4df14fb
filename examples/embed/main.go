// Command embed is the program of the README's "A server in your program":
// a line-echo listener, an HTTP status page and a worker of the program's
// own, in one supervision tree, stopped with Ctrl-C.
//
//	go run ./examples/embed    # echo on 127.0.0.1:7007, status on 127.0.0.1:8080
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/supervisor"
)

func main() {
	log := zerolog.New(os.Stderr).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	var lines atomic.Int64

	// echo answers each line with itself. The listener cancels ctx at the
	// stop; cutting the pending read short lets an idle client go at once.
	echo := func(ctx context.Context, conn net.Conn) error {
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
		defer stop()
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return nil // the client left, or the stop began
			}
			lines.Add(1)
			if _, err := conn.Write(line); err != nil {
				return err
			}
		}
	}

	tree := &supervisor.Group{
		Name:   "app",
		Logger: log,
		Services: []suture.Service{ // started in this order, stopped in reverse
			&services.Periodic{Name: "report", Interval: time.Minute, Logger: log,
				Job: func(context.Context) error {
					log.Info().Int64("lines", lines.Load()).Msg("echoed so far")
					return nil
				}},
			&listener.Server{Name: "echo", Addr: "127.0.0.1:7007", MaxConns: 10000,
				Handler: listener.HandlerFunc(echo), Logger: log},
			&services.HTTP{Name: "status", Addr: "127.0.0.1:8080", Logger: log,
				Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					fmt.Fprintf(w, "%d lines echoed\n", lines.Load())
				})},
		},
	}
	err := supervisor.Run(context.Background(), tree, supervisor.RunConfig{
		Logger:          log,
		ShutdownTimeout: 10 * time.Second,
	})
	if err != nil { // a busy port, or something that did not stop in time
		log.Error().Err(err).Msg("exit")
		os.Exit(1)
	}
}
