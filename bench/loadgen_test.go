package main

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/server"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
)

// startKV serves the kv example's handler in this process through a seam
// listener until the test ends.
func startKV(t *testing.T) *listener.Server {
	t.Helper()
	return serveInProcess(t, &listener.Server{Addr: "127.0.0.1:0", Handler: server.New(server.Config{Store: store.New(nil)})})
}

// serveInProcess serves srv until the test or benchmark ends, and returns
// it once it is accepting.
func serveInProcess(tb testing.TB, srv *listener.Server) *listener.Server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ctx)
	}()
	tb.Cleanup(func() { cancel(); <-done })
	select {
	case <-srv.Ready():
	case <-done:
		tb.Fatal("listener ended before it was ready")
	}
	return srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunLoad(t *testing.T) {
	srv := startKV(t)
	addr := srv.BoundAddr().String()
	ctx := testCtx(t)
	for _, l := range []load{
		{cmd: "SET", conns: 4, pipeline: 8, requests: 2000, valueLen: 3},
		{cmd: "GET", conns: 4, pipeline: 1, requests: 500},
		{cmd: "GET", conns: 3, pipeline: 1, requests: 100, churn: true},
	} {
		l.addr, l.keyspace = addr, 100
		before := srv.Stats().Accepted
		res, err := runLoad(ctx, l)
		if err != nil {
			t.Fatalf("%+v: %v", l, err)
		}
		if res.requests != int64(l.requests) || res.errors != 0 {
			t.Errorf("%s pipeline %d: %d requests, %d errors; want %d, 0", l.cmd, l.pipeline, res.requests, res.errors, l.requests)
		}
		conns := srv.Stats().Accepted - before
		want := uint64(l.conns)
		if l.churn {
			want = uint64(l.requests)
		}
		if conns != want {
			t.Errorf("%s churn=%v: %d connections, want %d", l.cmd, l.churn, conns, want)
		}
	}
}

// TestRunLoadBusy checks the open-ended load of the graceful stop workload:
// it signals once every client has had a reply and ends quietly with ctx.
func TestRunLoadBusy(t *testing.T) {
	srv := startKV(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	warm := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := runLoad(ctx, load{addr: srv.BoundAddr().String(), cmd: "SET", conns: 20, keyspace: 10, valueLen: 3, warm: warm})
		done <- err
	}()
	select {
	case <-warm:
	case err := <-done:
		t.Fatalf("busy load ended before it was warm: %v", err)
	}
	if n := srv.Stats().Active; n != 20 {
		t.Errorf("%d connections open once warm, want 20", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("busy load after cancel: %v", err)
	}
}

func TestRunLoadTimesOut(t *testing.T) {
	srv := startKV(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := runLoad(ctx, load{addr: srv.BoundAddr().String(), cmd: "GET", conns: 1, requests: 10})
	if err == nil {
		t.Fatal("a bounded load whose ctx had ended reported success")
	}
}

func TestOpenIdle(t *testing.T) {
	srv := startKV(t)
	conns, err := openIdle(testCtx(t), srv.BoundAddr().String(), 100)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(conns)
	if n := srv.Stats().Active; n != 100 {
		t.Fatalf("%d connections open, want 100", n)
	}
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		in     string
		isErr  bool
		failed bool
	}{
		{"+OK\r\n", false, false},
		{"-ERR x\r\n", true, false},
		{":12\r\n", false, false},
		{"$3\r\nabc\r\n", false, false},
		{"$-1\r\n", false, false},
		{"*2\r\n$1\r\na\r\n:1\r\n", false, false},
		{"?\r\n", false, true},
		{"$x\r\n", false, true},
		{"$5\r\nab", false, true},
	}
	for _, tt := range tests {
		rd := bufio.NewReader(strings.NewReader(tt.in))
		isErr, err := readReply(rd)
		if (err != nil) != tt.failed || isErr != tt.isErr {
			t.Errorf("readReply(%q) = %v, %v; want error reply %v, failure %v", tt.in, isErr, err, tt.isErr, tt.failed)
			continue
		}
		if err == nil && rd.Buffered() != 0 {
			t.Errorf("readReply(%q) left %d bytes", tt.in, rd.Buffered())
		}
	}
}
