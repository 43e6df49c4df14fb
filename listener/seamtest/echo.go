package seamtest

import (
	"context"
	"net"
)

// Echo is a connection handler for tests, listener.HandlerFunc(Echo): it
// answers each line with itself until the peer leaves or ctx ends. It
// watches ctx as a handler should: when ctx ends a pending read is cut
// short, while a reply already started is written in full. It returns the
// read or write error that ended it. It is [Lines] with the line itself
// for its reply.
func Echo(ctx context.Context, conn net.Conn) error {
	return Lines(func(line string) string { return line })(ctx, conn)
}
