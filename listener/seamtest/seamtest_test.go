package seamtest_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// upper answers one line in upper case, then closes.
var upper = listener.HandlerFunc(func(ctx context.Context, c net.Conn) error {
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	b := []byte(line)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
	}
	_, err = c.Write(b)
	return err
})

func TestStartDialOverTLS(t *testing.T) {
	server, client := seamtest.TLS(t)
	logs := seamtest.NewLogs(t)
	srv := seamtest.Start(t, &listener.Server{Addr: "127.0.0.1:0", Handler: upper, TLSConfig: server, Logger: logs.Logger()})
	c := tls.Client(seamtest.Dial(t, srv.Addr), client)
	io.WriteString(c, "hello\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "HELLO\n" {
		t.Fatalf("reply %q, %v", line, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if ev := logs.WaitFor(t, "stopped"); ev["level"] != "info" {
		t.Fatalf("stop logged as %v", ev)
	}
	if len(logs.Events("listening")) != 1 {
		t.Fatalf("events: %v", logs.Events(""))
	}
}

// flaky fails its first Serve; under Supervise it is restarted.
type flaky struct {
	serves atomic.Int32
	second chan struct{}
}

func (f *flaky) Serve(ctx context.Context) error {
	if f.serves.Add(1) == 1 {
		return errors.New("first run fails")
	}
	close(f.second)
	<-ctx.Done()
	return nil
}

func TestSuperviseRestarts(t *testing.T) {
	f := &flaky{second: make(chan struct{})}
	s := seamtest.Supervise(t, f)
	seamtest.Recv(t, f.second, "the restart")
	seamtest.Eventually(t, "two serves", func() bool { return f.serves.Load() == 2 })
	s.Stop()
}
