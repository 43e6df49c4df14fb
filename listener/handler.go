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
// The returned error is logged at debug level; it does not restart anything.
// A panic costs only this connection: it is recovered, logged with its
// stack, and the connection is closed.
type Handler interface {
	ServeConn(ctx context.Context, conn net.Conn) error
}

// HandlerFunc adapts an ordinary function to a [Handler].
type HandlerFunc func(ctx context.Context, conn net.Conn) error

// ServeConn calls f(ctx, conn).
func (f HandlerFunc) ServeConn(ctx context.Context, conn net.Conn) error {
	return f(ctx, conn)
}
