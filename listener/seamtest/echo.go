package seamtest

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"
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

// WantEcho writes line and a newline on c, a connection to a server that
// answers each line with itself as [Echo] does, and fails t unless the
// same line comes back within [Wait]: it checks that the connection is
// still served. Such a server sends nothing but the reply, so WantEcho
// may be called again on the same connection.
func WantEcho(t testing.TB, c net.Conn, line string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(Wait))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatalf("seamtest: write %q: %v", line, err)
	}
	have, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || have != line+"\n" {
		t.Fatalf("seamtest: echo of %q: have %q, %v", line, have, err)
	}
}
