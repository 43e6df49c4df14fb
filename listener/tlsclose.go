package listener

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
)

// tlsTransport is the connection under a TLS server connection: the
// socket, or the layers over it. It notes when the peer ended its stream
// without a close_notify alert, so that the close that follows skips the
// alert of its own (see closeHandlerConn).
type tlsTransport struct {
	net.Conn
	peerGone atomic.Bool // read the end of the stream: the peer closed its socket
}

// Read reads from the connection under the TLS layer. crypto/tls reads
// a record at a time and stops after a close_notify alert, so an end of
// stream reaches here only when the peer closed its socket without one.
func (t *tlsTransport) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if err != nil && errors.Is(err, io.EOF) {
		t.peerGone.Store(true)
	}
	return n, err
}

// NetConn returns the connection under the TLS layer, as the layers
// under it (idle, PROXY) do.
func (t *tlsTransport) NetConn() net.Conn { return t.Conn }

// closeHandlerConn closes the conn the handler was given. Over TLS,
// tls.Conn.Close first sends a close_notify alert (a deadline set and
// cleared around one more write); when the peer has already closed its
// socket without one, as redis-benchmark does, that alert can only meet
// a closed socket and draw a reset, and it is a third of the writes of a
// connection that makes one request (handshake, reply, alert). It is
// skipped then and the layer under TLS is closed. A peer that closed with a close_notify of its own gets one
// back, as crypto/tls answers it; so does every connection the server
// ends first (QUIT, a stop), whose client is still reading.
func (c *conn) closeHandlerConn() {
	if c.tlsUnder != nil && c.tlsUnder.peerGone.Load() {
		c.tlsUnder.Conn.Close()
		return
	}
	c.nc.Close()
}
