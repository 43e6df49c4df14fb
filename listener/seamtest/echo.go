package seamtest

import (
	"bufio"
	"context"
	"net"
	"time"
)

// Echo is a connection handler for tests, listener.HandlerFunc(Echo): it
// answers each line with itself until the peer leaves or ctx ends. It
// watches ctx as a handler should: when ctx ends a pending read is cut
// short, while a reply already started is written in full. It returns the
// read or write error that ended it.
func Echo(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return err
		}
		if _, err := conn.Write(line); err != nil {
			return err
		}
	}
}
