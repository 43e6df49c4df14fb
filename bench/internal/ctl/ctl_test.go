package ctl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// pong answers every line with +PONG until the peer leaves or ctx ends.
var pong = seamtest.Lines(func(line string) string {
	if strings.HasPrefix(line, "$") || strings.HasPrefix(line, "*") {
		return "" // the RESP framing of PING
	}
	return "+PONG\r\n"
})

// startSeam serves pong through a seam listener until the test ends.
func startSeam(t *testing.T, tr *Tracker) (*listener.Server, func() time.Time) {
	t.Helper()
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: tr.Wrap(listener.HandlerFunc(pong))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	go func() {
		srv.Serve(ctx)
		done <- time.Now()
	}()
	var stopped time.Time
	stop := func() time.Time {
		cancel()
		if stopped.IsZero() {
			stopped = <-done
		}
		return stopped
	}
	t.Cleanup(func() { stop() })
	select {
	case <-srv.Ready():
	case at := <-done:
		stopped = at
		t.Fatal("listener ended before it was ready")
	}
	return srv, stop
}

func TestBreakListenerRestartsSeamAcceptor(t *testing.T) {
	tr := NewTracker()
	srv, stop := startSeam(t, tr)
	addr := srv.BoundAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := Probe(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if err := BreakListener(addr); err != nil {
		t.Fatal(err)
	}
	if err := Probe(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if have := srv.Stats().AcceptorRestarts; have != 1 {
		t.Fatalf("AcceptorRestarts = %d after one fault, want 1", have)
	}
	stop()
}

func TestBreakListenerNoSocket(t *testing.T) {
	if err := BreakListener("127.0.0.1:1"); !errors.Is(err, ErrNoSocket) {
		t.Fatalf("err = %v, want ErrNoSocket", err)
	}
}

func TestServeProtocol(t *testing.T) {
	tr := NewTracker()
	srv, stop := startSeam(t, tr)
	addr := srv.BoundAddr().String()

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Serve(inR, outW, Server{
			Addr: addr, Tracker: tr, Stop: stop,
			Fault: func() error { return BreakListener(addr) },
		})
		outW.Close()
	}()
	out := bufio.NewScanner(outR)
	read := func() string {
		t.Helper()
		if !out.Scan() {
			t.Fatalf("no reply: %v", out.Err())
		}
		return out.Text()
	}
	send := func(cmd string) string {
		t.Helper()
		if _, err := io.WriteString(inW, cmd+"\n"); err != nil {
			t.Fatal(err)
		}
		return read()
	}

	if have := read(); have != "ready "+addr {
		t.Fatalf("first line %q", have)
	}
	// An idle connection, so that the stop has a handler to drain.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := Ping(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	for cmd, prefix := range map[string]string{
		"mem":   "mem heap=",
		"conns": "conns goroutines=",
		"fault": "restarted ns=",
		"bogus": "error unknown command",
	} {
		if have := send(cmd); !strings.HasPrefix(have, prefix) {
			t.Errorf("%s: reply %q, want %s...", cmd, have, prefix)
		}
	}
	have := send("stop")
	if !strings.HasPrefix(have, "stopped serve_ns=") || strings.Contains(have, "drain_ns=-1") {
		t.Errorf("stop: reply %q, want a serve and a drain time", have)
	}
	inW.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

func TestServeStopsAtEOF(t *testing.T) {
	stopped := false
	err := Serve(strings.NewReader("mem\n"), io.Discard, Server{
		Addr: "x",
		Stop: func() time.Time { stopped = true; return time.Now() },
	})
	if err != nil || !stopped {
		t.Fatalf("err = %v, stopped = %v; want nil, true", err, stopped)
	}
}
