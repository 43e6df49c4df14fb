package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener/seamtest"
)

// redisLoading is redis-server 7's reply to a command that needs the
// keyspace while it loads (shared.loadingerr in src/server.c), as redis-cli
// prints it when its output is not a terminal.
const redisLoading = "LOADING Redis is loading the dataset in memory"

// heldLoad writes an append-only file of n SETs and returns a config whose
// replay stops before record at until release is closed, and a channel
// closed once it has stopped there.
func heldLoad(t *testing.T, n, at int) (cfg config, size int64, held, release chan struct{}) {
	t.Helper()
	cfg, _ = testConfig(t, t.TempDir())
	var data []byte
	for i := range n {
		data = resp.AppendCommand(data, []byte("SET"), fmt.Appendf(nil, "k%d", i), []byte("v"))
	}
	if err := os.WriteFile(cfg.aofPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	held, release = make(chan struct{}), make(chan struct{})
	var records atomic.Int64
	cfg.beforeRecord = func() {
		if records.Add(1) == int64(at) {
			close(held)
			<-release
		}
	}
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return cfg, int64(len(data)), held, release
}

// redisCLI runs redis-cli against addr and returns what it prints.
func redisCLI(t *testing.T, addr string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), seamtest.Wait)
	defer cancel()
	out, err := redisCLICommand(t, ctx, addr, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// redisCLICommand is redis-cli with args against addr; it skips the test
// when redis-cli is not installed.
func redisCLICommand(t *testing.T, ctx context.Context, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not on PATH")
	}
	host, port, _ := net.SplitHostPort(addr)
	return exec.CommandContext(ctx, cli, append([]string{"-h", host, "-p", port}, args...)...)
}

// While the file loads, kv is bound and answers as redis-server does:
// -LOADING, in Redis's words, to commands that need the keyspace (PING
// too), INFO and ECHO as usual; INFO persistence shows the load's
// progress; /readyz is 503 and /healthz 200. Once loaded, every key is
// there and the tree is ready.
func TestAnswersLoadingWhileLoading(t *testing.T) {
	const records = 3000
	cfg, size, held, release := heldLoad(t, records, records/2)
	cfg.adminAddr = "127.0.0.1:0"
	r := serve(t, build(t, cfg))
	seamtest.Recv(t, held, "the replay to reach its middle")
	seamtest.Recv(t, r.app.listener.Ready(), "the listener to accept while the file loads")
	addr := r.app.listener.BoundAddr().String()

	for _, cmd := range [][]string{{"GET", "k1"}, {"PING"}, {"SET", "x", "1"}, {"DBSIZE"}, {"BGREWRITEAOF"}} {
		if have := redisCLI(t, addr, cmd...); have != redisLoading {
			t.Errorf("redis-cli %s while loading: %q, want %q", cmd, have, redisLoading)
		}
	}
	if have := redisCLI(t, addr, "ECHO", "hi"); have != "hi" {
		t.Errorf("ECHO while loading: %q", have)
	}
	// Redis checks the arity before the loading state.
	if have := redisCLI(t, addr, "GET"); !strings.Contains(have, "wrong number of arguments") {
		t.Errorf("GET without a key while loading: %q", have)
	}

	// Raw RESP: the exact bytes.
	c := dial(t, addr)
	c.Conn().Write([]byte("*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n"))
	want := "-LOADING Redis is loading the dataset in memory\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c.Conn(), got); err != nil || string(got) != want {
		t.Fatalf("raw GET while loading: %q, %v; want %q", got, err, want)
	}
	for field, check := range map[string]func(string) bool{
		"loading":              func(v string) bool { return v == "1" },
		"async_loading":        func(v string) bool { return v == "0" },
		"loading_total_bytes":  func(v string) bool { return v == strconv.FormatInt(size, 10) },
		"loading_rdb_used_mem": func(v string) bool { return v == "0" },
		"loading_loaded_bytes": func(v string) bool { n, err := strconv.ParseInt(v, 10, 64); return err == nil && n > 0 && n < size },
		"loading_loaded_perc": func(v string) bool {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil && f > 0 && f < 100 && strings.Count(v, ".") == 1 && len(v[strings.Index(v, ".")+1:]) == 2
		},
		"loading_start_time":  func(v string) bool { n, err := strconv.ParseInt(v, 10, 64); return err == nil && n > 0 },
		"loading_eta_seconds": func(v string) bool { _, err := strconv.ParseInt(v, 10, 64); return err == nil },
	} {
		if v := infoField(t, addr, field); !check(v) {
			t.Errorf("INFO persistence while loading: %s = %q", field, v)
		}
	}

	probe := func(path string) int {
		t.Helper()
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := client.Get("http://" + r.app.admin.BoundAddr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := probe("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while loading: %d, want 503", code)
	}
	if code := probe("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while loading: %d, want 200", code)
	}

	close(release)
	seamtest.Recv(t, r.app.root.Ready(), "the tree to be ready once loaded")
	if have := redisCLI(t, addr, "DBSIZE"); have != strconv.Itoa(records) {
		t.Errorf("DBSIZE once loaded: %q, want %d", have, records)
	}
	if have := redisCLI(t, addr, "PING"); have != "PONG" {
		t.Errorf("PING once loaded: %q", have)
	}
	if v := infoField(t, addr, "loading"); v != "0" || strings.Contains(info(t, addr, "persistence"), "loading_loaded_bytes") {
		t.Errorf("INFO persistence once loaded: loading:%s\n%s", v, info(t, addr, "persistence"))
	}
	if code := probe("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz once loaded: %d, want 200", code)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

// A stop while the file loads ends the load between two records and
// returns cleanly, the file as it was: nothing is written to it.
func TestStopWhileLoading(t *testing.T) {
	cfg, size, held, release := heldLoad(t, 2000, 1000)
	r := serve(t, build(t, cfg))
	seamtest.Recv(t, held, "the replay to reach its middle")
	stopped := make(chan error, 1)
	go func() { stopped <- r.stop() }()
	// The replay sees the cancel at its next record.
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(seamtest.Wait):
		t.Fatal("the stop did not end the load")
	}
	if fi, err := os.Stat(cfg.aofPath); err != nil || fi.Size() != size {
		t.Fatalf("the file after a stop while loading: %v, %v; want %d bytes", fi, err, size)
	}
}

// redisLoadingNow starts redis-server on an append-only file of n SETs
// that it loads slowly (its hidden key-load-delay, in microseconds per
// record, is what Redis's own tests slow a load with), and returns its
// address once it answers -LOADING.
func redisLoadingNow(t *testing.T, n int) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	dir := t.TempDir()
	port := kvtest.FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", port)
	run := func(extra ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "yes", "--dir", dir, "--loglevel", "warning"}, extra...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	fill := run()
	seamtest.Eventually(t, "redis-server to answer", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	c := dial(t, addr)
	for i := range n {
		c.Send("SET", fmt.Sprintf("k%d", i), "v")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := c.Receive(); err != nil {
			t.Fatal(err)
		}
	}
	c.Send("SHUTDOWN")
	c.Flush()
	fill.Wait()
	// 100µs a record: the load lasts n/10 ms, and Redis answers clients
	// every 1024 records of an append-only file (aof.c), every 100ms.
	run("--key-load-delay", "100")
	seamtest.Eventually(t, "redis-server to answer -LOADING", func() bool {
		c, err := respclient.Dial(addr)
		if err != nil {
			return false
		}
		defer c.Close()
		v, err := c.Do("PING")
		return err == nil && strings.HasPrefix(v.Str, "LOADING")
	})
	return addr
}

// kv's replies while loading, side by side with redis-server's, loading
// too: the same text for the same commands, and the same loading fields in
// INFO persistence.
func TestLoadingRepliesAsRedis(t *testing.T) {
	redis := redisLoadingNow(t, 100_000)
	cfg, _, held, release := heldLoad(t, 2000, 1000)
	r := serve(t, build(t, cfg))
	seamtest.Recv(t, held, "the replay to reach its middle")
	seamtest.Recv(t, r.app.listener.Ready(), "the listener to accept while the file loads")
	kv := r.app.listener.BoundAddr().String()
	for _, cmd := range [][]string{{"GET", "k1"}, {"PING"}, {"SET", "k", "v"}, {"ECHO", "hi"}, {"DBSIZE"}, {"GET"}} {
		want := redisCLI(t, redis, cmd...)
		if have := redisCLI(t, kv, cmd...); have != want {
			t.Errorf("%s while loading: kv %q, redis-server %q", cmd, have, want)
		}
	}
	fields := func(addr string) []string {
		var names []string
		for _, line := range strings.Split(info(t, addr, "persistence"), "\r\n") {
			if name, _, ok := strings.Cut(line, ":"); ok && strings.Contains(name, "loading") {
				names = append(names, name)
			}
		}
		return names
	}
	if have, want := fields(kv), fields(redis); strings.Join(have, " ") != strings.Join(want, " ") {
		t.Errorf("INFO persistence's loading fields: kv %q, redis-server %q", have, want)
	}
	close(release)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
