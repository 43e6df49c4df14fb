package ctl

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
)

// StartTree adds srv to root, serves root in the background and returns
// once srv is ready, with the Stop of a [Server]: it cancels the tree and
// returns the instant srv's Serve returned (that, not the tree's return,
// is a graceful stop's figure), once the whole tree has ended. The
// servers built on seam (seamkv, seamfloor) share it.
func StartTree(root *suture.Supervisor, srv *listener.Server) (stop func() time.Time, err error) {
	t := &timed{Server: srv, returned: make(chan time.Time, 1)}
	root.Add(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := root.ServeBackground(ctx)
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("tree ended before the listener was ready: %w", err)
	}
	return func() time.Time {
		cancel()
		stopped := <-t.returned
		<-done
		return stopped
	}, nil
}

// timed is the listener with the instant its Serve returned at a stop
// noted.
type timed struct {
	*listener.Server
	returned chan time.Time
}

// Serve runs the listener and notes when it has stopped for good.
func (t *timed) Serve(ctx context.Context) error {
	err := t.Server.Serve(ctx)
	if ctx.Err() != nil {
		t.returned <- time.Now()
	}
	return err
}

// Logger is the seam servers' logger, as the kv example's on a terminal: a
// console writer on stderr (where the harness keeps each server's log), at
// zerolog's default level, which makes the listener build a logger per
// connection.
func Logger() zerolog.Logger {
	return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05.000", NoColor: true}).
		With().Timestamp().Logger()
}
