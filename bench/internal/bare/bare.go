// Package bare serves connections the way a Go program does without a
// framework: a plain accept loop on a net.Listener, one goroutine per
// connection, no supervision. It is the baseline the benchmarks measure
// seam's listener against, so it does only what any careful hand-written
// server does and nothing more: back off on temporary accept errors, cancel
// the handlers' ctx at stop, and wait for them.
package bare

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/seamgo/seam/listener"
)

// Serve accepts connections on ln and runs h on each in its own goroutine
// until ctx is cancelled or Accept fails for good. It then closes ln,
// cancels the handlers' ctx, waits for every handler to return and returns:
// nil after a cancelled ctx, the accept error otherwise. Each connection is
// closed when its handler returns.
//
// There is no drain deadline and no force-close: a handler that ignores its
// ctx keeps Serve waiting, as it would in a hand-written server.
func Serve(ctx context.Context, ln net.Listener, h listener.Handler) error {
	connCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var wg sync.WaitGroup
	err := Accept(ctx, ln, func(c net.Conn) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			_ = h.ServeConn(connCtx, c)
		}()
	})
	ln.Close()
	cancel()
	wg.Wait()
	return err
}

// Accept is the loop alone: it hands every accepted connection to serve,
// on the accepting goroutine, until Accept fails for good (that error is
// returned) or ctx is cancelled (nil; the caller must close ln to wake a
// blocked Accept, as [Serve] does). It pauses on temporary errors as
// net/http does (5ms doubling to 1s), so that EMFILE does not spin a core.
// It is exported for servers that own their connections some other way
// than Serve's cancel-and-wait (bench/cmd/floor).
func Accept(ctx context.Context, ln net.Listener, serve func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne interface{ Temporary() bool }
			if errors.As(err, &ne) && ne.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return nil
				}
				continue
			}
			return err
		}
		delay = 0
		serve(c)
	}
}
