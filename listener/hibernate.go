package listener

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// ErrHibernate is what [WaitReadable] and [Waiter.Wait] return once a
// wait has lasted Server.HibernateAfter without a byte. A handler that
// can carry on from a state it keeps returns [Hibernate] with that state,
// and ends: its goroutine and its connection service end, and the
// connection waits on the listener's poller. A handler that returns
// ErrHibernate itself, or any other error, ends the connection as
// always (ErrHibernate is not logged).
var ErrHibernate = errors.New("listener: idle for HibernateAfter; the connection may hibernate")

// Hibernate is the error a handler returns to hibernate its connection,
// with state, what it needs to carry on (nil is fine): the listener
// keeps the socket open and parked on its poller, and when bytes arrive
// or the client closes, it calls the Handler's ServeConn again, on a new
// connection service, with a ctx from which [Woken] returns state.
//
// A handler may return it after [ErrHibernate] or whenever it holds no
// unread bytes of the connection in its own buffers: the listener wakes
// it only for bytes still in the socket. The connection keeps its
// MaxConns slot and its MaxConnsPerIP share, and IdleTimeout goes on
// counting the idleness that began in the wait.
//
// A connection the listener cannot park ends as it would for any other
// error: on platforms other than Linux, with HibernateAfter 0, over TLS
// (a tls.Conn may hold decrypted bytes that no poller sees), on a given
// Listener's connections that are not sockets, and once the listener is
// stopping. When the listener ends a hibernated connection itself (at
// stop, for IdleTimeout, or because its client closed it without
// sending a byte) and state is an [io.Closer], it calls state's Close,
// on its own goroutine, so that the handler can forget the client; Close
// must not block.
func Hibernate(state any) error { return &hibernation{state: state} }

// hibernation is Hibernate's error, which carries the handler's state to
// the listener.
type hibernation struct{ state any }

func (h *hibernation) Error() string { return "listener: connection hibernating" }

// Woken returns the state a handler gave [Hibernate], when ctx is the
// ctx of a ServeConn that a wake from hibernation started; ok is false
// for a connection's first ServeConn.
func Woken(ctx context.Context) (state any, ok bool) {
	w, ok := ctx.Value(wokenKey{}).(woken)
	return w.state, ok
}

type wokenKey struct{}

// woken boxes the state, so that a nil state still tells a wake apart.
type woken struct{ state any }

// parksAtAccept reports whether the acceptor parks c rather than start
// it (HibernateAtAccept): a plain socket, with no PROXY header to read,
// whose client has sent nothing yet. One whose first bytes are there
// already (a client that connects per request, or a flood) starts at
// once: parking it would only cost the poller's round trip on the way.
func (c *conn) parksAtAccept() bool {
	r := c.run
	if r.hibernateNew == nil || c.proxy != nil || r.tls != nil {
		return false
	}
	return r.hibernateNew(c.raw) && quiet(c.raw)
}

// hibernating records that the handler's error asked for hibernation,
// when the listener can park this connection: finish then parks it
// rather than closing it.
func (c *conn) hibernating(herr error) bool {
	var h *hibernation
	if c.run.poller == nil || c.idle == nil || c.run.tls != nil || !errors.As(herr, &h) {
		return false
	}
	c.state, c.asleep = h.state, true
	return true
}

// wakeCtx is the ctx of a woken connection's handler: the state handed
// across, and a fresh idle and hibernation deadline, since bytes came.
//
//go:noinline
func (c *conn) wakeCtx() context.Context {
	ctx := context.WithValue(c.handlerCtx(), wokenKey{}, woken{c.state})
	c.state = nil
	c.idle.start()
	return ctx
}

// hibernate hands c to the poller after its handler returned
// [Hibernate]; it reports false when the poller would not take it (the
// listener is stopping, the socket is closed), and c is to be closed.
// After true, c belongs to the poller: its Serve must not touch it.
func (c *conn) hibernate() bool {
	c.run.conns.leaveGeneration(c)
	return c.run.poller.park(c)
}

// close ends a connection: it closes the handler's layers and the
// socket, and releases what admission counted.
func (c *conn) close() {
	c.closeHandlerConn() // tlsclose.go
	if c.nc != c.raw {
		c.raw.Close() // after the TLS layer, which may fail to send its alert
	}
	c.run.descriptorFreed()
	c.run.conns.end(c)
}

// closeAsleep ends a hibernated connection without waking its handler:
// the handler's state hears it through Close, if it has one.
func (c *conn) closeAsleep() {
	if cl, ok := c.state.(io.Closer); ok {
		cl.Close()
	}
	c.state = nil
	c.close()
}

// Close closes the connection. While it is hibernated its socket is
// shut down for reading instead, which the poller sees (a close would
// take the socket out of the poller unseen, its slot held until the
// stop): the poller then closes the connection, and the state's Close
// tells the handler. This is how a Close from another goroutine (a
// CLIENT KILL) reaches a hibernated client.
func (c *idleConn) Close() error {
	c.mu.Lock()
	parked := c.parked
	c.mu.Unlock()
	if parked {
		if err := shutdownRead(c.Conn); err == nil {
			return nil
		}
	}
	return c.Conn.Close()
}

// shutdownRead shuts nc's socket down for reading, through the layers
// over it.
func shutdownRead(nc net.Conn) error {
	for {
		switch c := nc.(type) {
		case *proxyConn:
			nc = c.Conn
		case interface{ CloseRead() error }:
			return c.CloseRead()
		default:
			return syscall.EINVAL
		}
	}
}

// park marks whether the socket is on the poller, for Close; ctl, the
// poller's registration, runs under the same lock, so that a Close
// either comes first (and the registration fails on a closed socket)
// or finds the socket parked.
func (c *idleConn) park(parked bool, ctl func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctl != nil {
		if err := ctl(); err != nil {
			return err
		}
	}
	c.parked = parked
	return nil
}
