package server

import (
	"context"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// testServer is a Handler served by a seam listener under a supervisor, on
// a loopback port the kernel picked.
type testServer struct {
	addr    string
	handler *Handler
	ln      *listener.Server
	store   *store.Store
	cancel  context.CancelFunc
	done    <-chan error
	once    sync.Once
}

type serverOpts struct {
	debug bool
	hub   *pubsub.Hub
	aof   *aof.Writer
	drain time.Duration
	log   zerolog.Logger
	// wrap, if set, wraps the handler (to observe its connections).
	wrap func(listener.Handler) listener.Handler
	// now, maxBulkLen and maxQueryBuffer go to the Handler's Config.
	now            func() time.Time
	maxBulkLen     int
	maxQueryBuffer int64
	// addr is the address to bind, default 127.0.0.1:0; config, if set,
	// changes the Handler's Config before New.
	addr     string
	config   func(*Config)
	listener func(*listener.Server) // if set, changes the listener before it starts
	// atAccept sets the listener's HibernateAtAccept to the Handler's
	// WaitsForClient, as the kv example does.
	atAccept bool
}

func startServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	var j store.Journal
	if o.aof != nil {
		j = o.aof
	}
	st := store.New(j)
	if o.addr == "" {
		o.addr = "127.0.0.1:0"
	}
	ln := &listener.Server{Name: "listener test", Addr: o.addr, DrainTimeout: o.drain, Logger: o.log}
	cfg := Config{Store: st, AOF: o.aof, Listener: ln, PubSub: o.hub, debug: o.debug, now: o.now,
		MaxBulkLen: o.maxBulkLen, MaxQueryBuffer: o.maxQueryBuffer}
	if o.config != nil {
		o.config(&cfg)
	}
	if o.listener != nil {
		o.listener(ln)
	}
	h := New(cfg)
	ln.Handler = h
	if o.atAccept {
		ln.HibernateAtAccept = h.WaitsForClient
	}
	if o.wrap != nil {
		ln.Handler = o.wrap(h)
	}
	if o.aof != nil {
		st.SetLoading(true)
		if _, err := o.aof.Load(h.Replay); err != nil {
			t.Fatal(err)
		}
		st.SetLoading(false)
	}
	sup := supervisor.New("test", supervisor.Config{Logger: o.log, FailureBackoff: time.Millisecond})
	if o.hub != nil {
		sup.Add(o.hub) // ready before a client can subscribe: Calls fail at once until then
	}
	sup.Add(ln)
	if o.aof != nil {
		sup.Add(o.aof)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := sup.ServeBackground(ctx)
	ts := &testServer{handler: h, ln: ln, store: st, cancel: cancel, done: done}
	t.Cleanup(ts.stop)
	seamtest.Recv(t, ln.Ready(), "the listener to be ready")
	ts.addr = ln.BoundAddr().String()
	return ts
}

// stop stops the tree and waits for it; it may be called more than once.
func (ts *testServer) stop() {
	ts.once.Do(func() {
		ts.cancel()
		<-ts.done
	})
}

func (ts *testServer) dial(t *testing.T) *respclient.Client {
	t.Helper()
	c, err := respclient.Dial(ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// do sends one command and returns its reply rendered as text.
func do(t *testing.T, c *respclient.Client, args ...string) string {
	t.Helper()
	if err := c.Conn().SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	v, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v.String()
}

// lookPath skips the test when a Redis tool is not installed.
func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not on PATH", name)
	}
	return p
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}
