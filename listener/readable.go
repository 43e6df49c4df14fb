package listener

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// WaitReadable blocks until a Read on conn would not block: bytes have
// arrived, the peer has closed its side, or the connection has failed. It
// reads nothing and needs no buffer. A handler that keeps a read buffer per
// connection can therefore give it back while the connection is idle (to a
// sync.Pool) and take one only once bytes are there, so that an idle
// connection costs its goroutine and little more:
//
//	for {
//		if err := listener.WaitReadable(conn); err != nil {
//			return err
//		}
//		buf := pool.Get().(*[4096]byte)
//		n, err := conn.Read(buf[:])
//		... // serve buf[:n], then
//		pool.Put(buf)
//	}
//
// It waits on the connections the listener hands to a handler (plain TCP
// and unix sockets, and the layers that IdleTimeout and ProxyProtocol put
// over them) and on the net package's own TCP and unix connections. It
// honours the read deadline as Read does, and IdleTimeout counts the wait
// as idleness: its errors are those the Read would have returned for a
// deadline, an idle timeout or a closed connection. With
// Server.HibernateAfter set, a wait that has lasted that long returns
// [ErrHibernate] instead, so that the handler can return [Hibernate]. A
// connection it cannot see into without reading (TLS, whose records may
// already hold decrypted bytes, or any other type) makes it return nil at
// once, and the Read that follows blocks as usual, buffer and all.
//
// The wait costs one system call more than a Read that blocks: a server
// whose connections are seldom idle gains nothing from it.
//
// It waits on Linux, macOS, the BSDs and every other Unix, where a socket
// can be peeked at without reading. Elsewhere (Windows) it returns nil at
// once for every connection, as it does for TLS: a handler written as
// above still serves every request, its Read doing the waiting, and only
// the buffer's saving is lost.
func WaitReadable(conn net.Conn) error { return waitOn(conn, waitSocket) }

// waitOn is WaitReadable with the socket's own wait given: exactWait
// under a wait that may hibernate.
func waitOn(conn net.Conn, socket func(syscall.Conn) error) error {
	switch c := conn.(type) {
	case *net.TCPConn:
		return socket(c)
	case *net.UnixConn:
		return socket(c)
	case *idleConn:
		return c.waitReadable()
	case *proxyConn:
		if c.br != nil && c.br.Buffered() > 0 {
			return nil // bytes read past the PROXY header are waiting
		}
		return waitOn(c.Conn, socket)
	}
	return nil
}

// waitReadable is WaitReadable under the idle timeout: the wait is
// idleness, measured and ended as a Read's would be. A wait that may
// hibernate asks the socket after every wakeup (exactWait).
func (c *idleConn) waitReadable() error {
	socket := waitSocket
	if c.hibAfter > 0 {
		socket = waitSocketExact
	}
	return c.waitWith(func() error { return waitOn(c.Conn, socket) })
}

// waitWith runs wait, the socket's own wait, as idleness: it notes when
// the wait began and judges each deadline that ends it.
func (c *idleConn) waitWith(wait func() error) error {
	c.waitFrom.Store(int64(c.now().Sub(c.base)))
	for {
		err := wait()
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if err := c.deadlinePassed(err, true); err != nil {
			return err
		}
	}
}

// returnAtOnce is waitSocket where a socket cannot be peeked at: the
// caller's Read waits instead.
func returnAtOnce(syscall.Conn) error { return nil }

// A Waiter is WaitReadable for one connection, set up once and used for
// each of its waits. A server of many idle connections uses it in
// their read loops: what WaitReadable works out at every call (the
// connection's type, its descriptor) is worked out at Reset, and the wait
// itself runs in fewer and smaller frames. That matters more than it
// seems: the runtime starts each new goroutine with the average stack in
// use at the last collection, which on such a server is the depth of an
// idle connection's wait, and past about 1.1 KiB that average takes every
// new connection from a 2 KiB stack to 4 KiB.
//
// The zero Waiter is ready for Reset. A Waiter is not safe for concurrent
// use: one goroutine, the connection's reader, waits on it.
type Waiter struct {
	conn net.Conn
	rc   syscall.RawConn // nil: Wait is WaitReadable(conn)
	idle *idleConn       // the listener's layer over rc's socket, if any
	w    waiter
}

// Reset makes w wait on conn, which may be nil to drop the last one.
func (w *Waiter) Reset(conn net.Conn) {
	w.conn, w.rc, w.idle = conn, nil, nil
	if c, ok := conn.(*idleConn); ok {
		// The idle timeout's (or hibernation's) layer straight over
		// the socket: its waits use the socket's raw conn too.
		w.idle, conn = c, c.Conn
	}
	var sc syscall.Conn
	switch c := conn.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		w.idle = nil
		return // WaitReadable's own way, layers and all
	}
	w.rc = rawSocket(sc)
	if w.rc != nil && w.w.readable == nil {
		w.w.init()
	}
}

// Wait is WaitReadable(conn) for the conn of the last Reset: it blocks
// until a Read would not block, and returns what WaitReadable would.
func (w *Waiter) Wait() error {
	if w.rc == nil {
		return WaitReadable(w.conn)
	}
	if w.idle != nil {
		return w.waitIdle()
	}
	w.w.asked = false
	return w.rc.Read(w.w.readable)
}

// waitIdle is Wait under the listener's idle layer: as its waitReadable,
// on the raw conn worked out at Reset.
//
//go:noinline
func (w *Waiter) waitIdle() error {
	if w.idle.hibAfter > 0 {
		return w.idle.waitWith(func() error { return w.rc.Read(readableNow) })
	}
	return w.idle.waitWith(func() error {
		w.w.asked = false
		return w.rc.Read(w.w.readable)
	})
}

// waiter is one wait's state, with its method value made once: pooled for
// WaitReadable, kept in a Waiter, so that a wait allocates nothing.
type waiter struct {
	asked    bool
	readable func(fd uintptr) bool
}
