package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

func TestMain(m *testing.M) { seamtest.MainBuilt(m, kvBin) }

// testConfig is a config for an in-process server on a loopback port the
// kernel picks, with its AOF in dir, logging to logs (shown if the test
// fails).
func testConfig(t *testing.T, dir string) (config, *seamtest.Logs) {
	t.Helper()
	logs := seamtest.NewLogs(t)
	return config{
		addr:            "127.0.0.1:0",
		aofPath:         filepath.Join(dir, "kv.aof"),
		fsync:           aof.FsyncEverySec,
		maxConns:        1000,
		shutdownTimeout: 5 * time.Second,
		logger:          zerolog.New(zerolog.ConsoleWriter{Out: logs, NoColor: true}).With().Timestamp().Logger(),
	}, logs
}

// running is an app served by run in the background.
type running struct {
	app    *app
	addr   string
	cancel context.CancelFunc
	ended  chan struct{} // closed once run has returned
	err    error         // run's result, once ended is closed
	live   chan struct{} // closed once the whole tree is ready (OnReady)
}

// build builds an app from cfg.
func build(t *testing.T, cfg config) *app {
	t.Helper()
	a, err := newApp(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serve runs a in the background; it is stopped at the end of the test if
// the test has not stopped it.
func serve(t *testing.T, a *app) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{app: a, cancel: cancel, ended: make(chan struct{}), live: make(chan struct{})}
	onReady := a.cfg.onReady
	a.cfg.onReady = func() {
		close(r.live)
		if onReady != nil {
			onReady()
		}
	}
	go func() {
		r.err = a.run(ctx)
		close(r.ended)
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

// start builds and serves an app and waits until it is ready.
func start(t *testing.T, cfg config) *running {
	t.Helper()
	r := serve(t, build(t, cfg))
	r.ready(t)
	return r
}

// ready waits until the whole tree is ready (the listener accepts and the
// keyspace is loaded), and notes the listener's address.
func (r *running) ready(t *testing.T) {
	t.Helper()
	select {
	case <-r.live:
		r.addr = r.app.listener.BoundAddr().String()
	case <-r.ended:
		t.Fatalf("run ended before the listener was ready: %v", r.err)
	case <-time.After(seamtest.Wait):
		t.Fatal("the listener was not ready in time")
	}
}

// wait returns run's result once it has returned by itself, as it does
// when the start fails.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.ended:
		return r.err
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
		return nil
	}
}

// stop cancels the run and returns its result.
func (r *running) stop() error {
	r.cancel()
	<-r.ended
	return r.err
}

func dial(t *testing.T, addr string) *respclient.Client {
	t.Helper()
	c, err := respclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.Conn().SetDeadline(time.Now().Add(30 * time.Second))
	return c
}

func do(t *testing.T, c *respclient.Client, args ...string) string {
	t.Helper()
	v, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v.String()
}

// waitWithin waits for cond with its own deadline, for a wait whose bound
// is what the test is about (seamtest.Eventually's is seamtest.Wait).
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(limit)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// TestRestartFromAOF runs the whole tree in process, writes, stops it
// gracefully, and starts a new one from the same file.
func TestRestartFromAOF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, logs := testConfig(t, dir)
	r := start(t, cfg)
	c := dial(t, r.addr)
	for _, cmd := range [][]string{
		{"SET", "a", "1"}, {"INCR", "n"}, {"INCR", "n"}, {"SET", "t", "v", "EX", "1000"},
		{"MSET", "m1", "x", "m2", "y"}, {"DEL", "m2"}, {"APPEND", "a", "23"},
	} {
		if v, err := c.Do(cmd...); err != nil || v.Err() != nil {
			t.Fatalf("%q: %v %v", cmd, v, err)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !bytes.Contains([]byte(logs.String()), []byte("append-only file flushed, synced and closed")) {
		t.Fatal("no final flush logged")
	}

	r2 := start(t, cfg)
	c2 := dial(t, r2.addr)
	if have := do(t, c2, "MGET", "a", "n", "t", "m1", "m2"); have != `["123", "2", "v", "x", (nil)]` {
		t.Fatalf("after restart MGET = %s", have)
	}
	if have := do(t, c2, "TTL", "t"); have != "(integer) 1000" && have != "(integer) 999" {
		t.Fatalf("after restart TTL = %s", have)
	}
}

// TestActiveExpiry shows the sweep service at work: keys nobody touches
// still go once their time has passed.
func TestActiveExpiry(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	r := start(t, cfg)
	c := dial(t, r.addr)
	for i := range 300 {
		c.Send("SET", fmt.Sprint("tmp:", i), "x", "PX", "20")
	}
	c.Send("SET", "keep", "x")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for range 301 {
		if _, err := c.Receive(); err != nil {
			t.Fatal(err)
		}
	}
	// DBSIZE counts keys without expiring them, as Redis's does, so only
	// the sweep can bring it down. The sweep counts a key in expired_keys
	// just after it removed it: wait for both.
	seamtest.Eventually(t, "the sweep", func() bool { return do(t, c, "DBSIZE") == "(integer) 1" })
	seamtest.Eventually(t, "expired_keys to count the 300 keys", func() bool { return r.app.store.Expired() == 300 })
	if n := r.app.store.Expired(); n != 300 {
		t.Fatalf("expired_keys = %d", n)
	}
}

// writer pipelines SETs of its own keys in batches until its connection
// fails, and records which SETs were acknowledged.
type writer struct {
	id    int
	acked []int        // sequence numbers whose SET got +OK
	n     atomic.Int64 // len(acked), readable while the writer runs
	err   error
}

func (w *writer) run(addr string, total *atomic.Int64) {
	c, err := respclient.Dial(addr)
	if err != nil {
		w.err = err
		return
	}
	defer c.Close()
	c.Conn().SetDeadline(time.Now().Add(60 * time.Second))
	const batch = 16
	for seq := 0; ; seq += batch {
		for i := range batch {
			c.Send("SET", fmt.Sprintf("w%d:%d", w.id, seq+i), fmt.Sprint("v", seq+i))
		}
		if err := c.Flush(); err != nil {
			w.err = err
			return
		}
		for i := range batch {
			v, err := c.Receive()
			if err != nil {
				w.err = err
				return
			}
			if v.Str == "OK" {
				w.acked = append(w.acked, seq+i)
				w.n.Add(1)
				total.Add(1)
			}
		}
	}
}

// startWriters starts n writers and waits until they have had at least
// min SETs acknowledged between them.
func startWriters(t *testing.T, addr string, n int, min int64) (ws []*writer, wait func()) {
	t.Helper()
	ws, wait, _ = startWritersFrom(t, addr, 0, n, min)
	return ws, wait
}

// startWritersFrom is startWriters with writer ids from first on, and the
// count of acknowledged SETs between them.
func startWritersFrom(t *testing.T, addr string, first, n int, min int64) (ws []*writer, wait func(), total *atomic.Int64) {
	t.Helper()
	total = new(atomic.Int64)
	var wg sync.WaitGroup
	for i := range n {
		w := &writer{id: first + i}
		ws = append(ws, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(addr, total)
		}()
	}
	seamtest.Eventually(t, "writers to get going", func() bool { return total.Load() >= min })
	return ws, wg.Wait, total
}

// checkAcked starts a server from the AOF and checks that every
// acknowledged SET is there.
func checkAcked(t *testing.T, cfg config, ws []*writer) {
	t.Helper()
	r := start(t, cfg)
	c := dial(t, r.addr)
	checked := 0
	for _, w := range ws {
		for i := 0; i < len(w.acked); i += 500 {
			part := w.acked[i:min(i+500, len(w.acked))]
			args := []string{"MGET"}
			for _, seq := range part {
				args = append(args, fmt.Sprintf("w%d:%d", w.id, seq))
			}
			v, err := c.Do(args...)
			if err != nil {
				t.Fatal(err)
			}
			for j, seq := range part {
				if have, want := v.Array[j].Str, fmt.Sprint("v", seq); have != want || v.Array[j].Null {
					t.Fatalf("acknowledged SET w%d:%d lost: have %s after restart, want %q", w.id, seq, v.Array[j], want)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no acknowledged writes to check")
	}
	t.Logf("%d acknowledged SETs all present after restart", checked)
}

// TestNoAckedWriteLostOnCancel stops the tree (as a parent supervisor or
// main's ctx would) while clients pipeline SETs, with each fsync policy.
func TestNoAckedWriteLostOnCancel(t *testing.T) {
	t.Parallel()
	for _, fsync := range []aof.Fsync{aof.FsyncEverySec, aof.FsyncAlways, aof.FsyncNo} {
		t.Run(fsync.String(), func(t *testing.T) {
			t.Parallel()
			cfg, _ := testConfig(t, t.TempDir())
			cfg.fsync = fsync
			r := start(t, cfg)
			ws, wait := startWriters(t, r.addr, 8, 2000)
			if err := r.stop(); err != nil {
				t.Fatalf("run: %v", err)
			}
			wait()
			checkAcked(t, cfg, ws)
		})
	}
}

// A fixed port already in use fails the start: the listener's first bind
// fails before it was ever ready, and run returns at once with a
// StartError that names the listener and the address, after the AOF,
// started before it, was stopped.
func TestAddrInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg, logs := testConfig(t, t.TempDir())
	cfg.addr = ln.Addr().String()
	err = serve(t, build(t, cfg)).wait(t)
	var se *supervisor.StartError
	if !errors.As(err, &se) || se.Path != "kv/listener kv" || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("run on a busy port = %v, want a StartError of kv/listener kv for EADDRINUSE", err)
	}
	if !strings.Contains(err.Error(), cfg.addr) {
		t.Fatalf("error %q does not name the address %s", err, cfg.addr)
	}
	if !strings.Contains(logs.String(), "append-only file flushed, synced and closed") {
		t.Fatal("the AOF was not closed after the failed start")
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*config){
		"shutdown-timeout": func(c *config) { c.shutdownTimeout = 0 },
		"maxconns":         func(c *config) { c.maxConns = -1 },
		"addr":             func(c *config) { c.addr = "nonsense" },
		"lameduck":         func(c *config) { c.lameDuck = -time.Second },
	} {
		cfg, _ := testConfig(t, t.TempDir())
		mod(&cfg)
		if _, err := newApp(cfg); err == nil {
			t.Errorf("%s: newApp accepted a bad config", name)
		}
	}
}

// Without -aof the server runs without persistence.
func TestNoPersistence(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, t.TempDir())
	cfg.aofPath = ""
	r := start(t, cfg)
	c := dial(t, r.addr)
	do(t, c, "SET", "k", "v")
	v, _ := c.Do("INFO", "persistence")
	if !bytes.Contains([]byte(v.Str), []byte("aof_enabled:0")) {
		t.Fatalf("INFO persistence:\n%s", v.Str)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
