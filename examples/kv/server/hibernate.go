package server

import (
	"context"
	"errors"
	"net"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener"
)

// Hibernation (listener.Server.HibernateAfter): a client idle that long
// gives up its goroutine, and its conn (name, database, authentication,
// subscriptions, what CLIENT LIST shows) waits with the listener for its
// next bytes, which start ServeConn again on it. An idle client then
// costs its socket and its conn, not a goroutine's stack.
//
// Everything a client holds between commands is in its conn, so every
// client can hibernate: one in a transaction keeps its queued commands
// and its WATCHed keys (which other clients' writes mark through the
// conn, asleep or not), and a subscriber's messages are written by its
// pubsub.Subscriber's own writer, without waking it.

// resume returns the conn of a client woken from hibernation, ready to
// serve nc again, or nil for a new connection.
func (h *Handler) resume(ctx context.Context, nc net.Conn) *conn {
	v, ok := listener.Woken(ctx)
	if !ok {
		return nil
	}
	c := v.(*conn)
	c.asleep = false
	h.wakeParts(c)
	// c.nc is nc already: the listener hands back the same conn. ctx is
	// new (it carries the state), and wakeAll reads it under the lock.
	h.clients.mu.Lock()
	c.ctx = ctx
	h.clients.mu.Unlock()
	h.watch(ctx)
	return c
}

// sleep reports whether the wait's err says that c may hibernate, and
// marks it so that release leaves it be: the wait ran with nothing
// buffered, the replies sent, so nothing of the client is on the
// goroutine's stack.
//
//go:noinline
func (c *conn) sleep(err error) bool {
	if !errors.Is(err, listener.ErrHibernate) {
		return false
	}
	c.asleep = true
	c.h.sleepParts(c)
	// Its ctx holds the connection's logger, built for this ServeConn:
	// the wake brings a new one. wakeAll reads it under the lock.
	c.h.clients.mu.Lock()
	c.ctx = nil
	c.h.clients.mu.Unlock()
	return true
}

// sleepParts gives back what only an awake client uses: its reader,
// writer (both without buffers already, but 350 bytes together) and the
// channel its bursts end on, so that a sleeping client holds its conn and
// little else. wakeParts takes them again.
func (h *Handler) sleepParts(c *conn) {
	c.r.Reset(nil)
	h.readers.Put(c.r)
	c.w.Reset(nil)
	h.writers.Put(c.w)
	h.burstDones.Put(c.burstDone)
	c.r, c.w, c.burstDone = nil, nil, nil
}

// wakeParts undoes sleepParts: the writer writes to the socket, or
// through the subscriber's queue once there is one.
func (h *Handler) wakeParts(c *conn) {
	c.r = h.readers.Get().(*resp.Reader)
	c.r.Reset(c)
	c.w = h.writers.Get().(*resp.Writer)
	if c.sub != nil {
		c.w.Reset(c.sub)
	} else {
		c.w.Reset(c.nc)
	}
	c.armWriter() // the protocol the client chose, and its error count
	c.burstDone = h.burstDones.Get().(chan struct{})
}

// Close ends a hibernated client that the listener closes without
// waking it (at its stop, or for the idle timeout): it is forgotten as
// one that left. It makes conn an io.Closer, which is how the listener
// tells it.
func (c *conn) Close() error {
	c.asleep = false
	c.h.release(c)
	return nil
}
