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
// deadline, an idle timeout or a closed connection. A connection it cannot
// see into without reading (TLS, whose records may already hold decrypted
// bytes, or any other type) makes it return nil at once, and the Read that
// follows blocks as usual, buffer and all.
//
// The wait costs one system call more than a Read that blocks: a server
// whose connections are seldom idle gains nothing from it.
//
// It waits on Linux, macOS, the BSDs and every other Unix, where a socket
// can be peeked at without reading. Elsewhere (Windows) it returns nil at
// once for every connection, as it does for TLS: a handler written as
// above still serves every request, its Read doing the waiting, and only
// the buffer's saving is lost.
func WaitReadable(conn net.Conn) error {
	switch c := conn.(type) {
	case *net.TCPConn:
		return waitSocket(c)
	case *net.UnixConn:
		return waitSocket(c)
	case *idleConn:
		return c.waitReadable()
	case *proxyConn:
		if c.br != nil && c.br.Buffered() > 0 {
			return nil // bytes read past the PROXY header are waiting
		}
		return WaitReadable(c.Conn)
	}
	return nil
}

// waitReadable is WaitReadable under the idle timeout: the wait is
// idleness, measured and ended as a Read's would be.
func (c *idleConn) waitReadable() error {
	c.waitFrom.Store(int64(c.now().Sub(c.base)))
	for {
		err := WaitReadable(c.Conn)
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if err := c.deadlinePassed(err); err != nil {
			return err
		}
	}
}

// returnAtOnce is waitSocket where a socket cannot be peeked at: the
// caller's Read waits instead.
func returnAtOnce(syscall.Conn) error { return nil }
