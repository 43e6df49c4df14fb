package listener

import (
	"context"
	"net"
)

// A Handler serves one connection.
//
// ServeConn is called on its own goroutine for every accepted connection and
// may block for as long as the connection lasts. ctx is cancelled when the
// listener stops gracefully: a handler that watches it should finish the
// reply in hand and return. The listener owns conn and closes it when
// ServeConn returns, so handlers do not have to; after the drain timeout it
// closes conn by force, which makes a blocked Read or Write return an error.
//
// zerolog.Ctx(ctx) returns a logger carrying the connection's id and its
// remote and local addresses.
//
// The returned error ends this connection and nothing else: nothing is
// restarted. It is logged at debug level through the Server's Logger, as
// "handler returned an error" with the connection's fields, unless it is
// only the echo of the connection ending (io.EOF, net.ErrClosed, or the
// ctx's error after the drain closed the connection by force). Debug
// rather than info because such an error is one connection's event,
// usually its client's doing (a reset, a malformed request): at info a
// busy server would write a line per bad client. A handler whose errors an
// operator must see logs them itself, through zerolog.Ctx(ctx), at the
// level they deserve. A panic costs only this connection too: it is
// recovered, logged at error level with its stack, counted in
// Stats.Panics, and the connection is closed.
type Handler interface {
	ServeConn(ctx context.Context, conn net.Conn) error
}

// HandlerFunc adapts an ordinary function to a [Handler].
type HandlerFunc func(ctx context.Context, conn net.Conn) error

// ServeConn calls f(ctx, conn).
func (f HandlerFunc) ServeConn(ctx context.Context, conn net.Conn) error {
	return f(ctx, conn)
}
