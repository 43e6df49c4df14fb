package seamtest

import (
	"bufio"
	"context"
	"io"
	"net"
	"time"
)

// Lines returns a connection handler for a test server: it answers each
// line the client sends, newline included, with what reply returns for it
// (nothing for ""), until the client leaves, a write fails, or ctx ends.
// It watches ctx the way a seam handler should: when the server stops, a
// read waiting for the next line is cut short, while a reply already begun
// is written in full. It returns the read or write error that ended it.
//
// Its type is that of listener.HandlerFunc, which this package does not
// import, so that listener's own tests can use it:
//
//	srv := &listener.Server{Handler: listener.HandlerFunc(seamtest.Lines(strings.ToUpper))}
func Lines(reply func(line string) string) func(ctx context.Context, c net.Conn) error {
	return func(ctx context.Context, c net.Conn) error {
		stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
		defer stop()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if out := reply(line); out != "" {
				if _, err := io.WriteString(c, out); err != nil {
					return err
				}
			}
		}
	}
}
