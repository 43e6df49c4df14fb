package server

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// These tests drive the server with the real Redis tools, when they are
// installed (Debian: redis-tools). They are skipped otherwise; the Go
// client tests cover the same commands.

// redisTool runs a Redis tool against addr with stdin and returns its
// output.
func redisTool(t *testing.T, tool, addr string, stdin []byte, args ...string) string {
	t.Helper()
	path := lookPath(t, tool)
	host, port := hostPort(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-h", host, "-p", port}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout: %s\nstderr: %s", tool, args, err, out.String(), errOut.String())
	}
	return out.String()
}

// TestRedisCLI sends every command through redis-cli, one process reading
// commands from stdin, and compares its output with what redis-cli prints
// for Redis 7 itself.
func TestRedisCLI(t *testing.T) {
	lookPath(t, "redis-cli")
	ts := startServer(t, serverOpts{})
	script := []struct{ cmd, want string }{
		{"PING", "PONG"},
		{"ECHO hello", "hello"},
		{"SET k v", "OK"},
		{"GET k", "v"},
		{"SET k v2 NX", ""},
		{"SET k v3 XX GET", "v"},
		{"GETSET k v4", "v3"},
		// redis-cli follows an error with an empty line.
		{"SET k v EX abc", "ERR value is not an integer or out of range\n"},
		{"GET", "ERR wrong number of arguments for 'get' command\n"},
		{"NOSUCH a b", "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \n"},
		{"EXISTS k nothing k", "2"},
		{"DEL k nothing", "1"},
		{"INCR n", "1"},
		{"INCRBY n 41", "42"},
		{"DECR n", "41"},
		{"DECRBY n 40", "1"},
		{"APPEND s abc", "3"},
		{"APPEND s def", "6"},
		{"STRLEN s", "6"},
		{"MSET a 1 b 2", "OK"},
		{"MGET a nothing b", "1\n\n2"},
		{"EXPIRE a 100", "1"},
		{"TTL a", "100"},
		{"PEXPIRE a 50000", "1"},
		{"TTL a", "50"},
		{"PERSIST a", "1"},
		{"PTTL a", "-1"},
		{"SET user:1 x", "OK"},
		{"KEYS user:*", "user:1"},
		{"SCAN 0 MATCH user:* COUNT 1000", "0\nuser:1"},
		{"DBSIZE", "5"},
		{"SELECT 0", "OK"},
		{"CLIENT SETNAME cli", "OK"},
		{"CLIENT GETNAME", "cli"},
		{"CONFIG GET save", "save\n"},
		{"HELLO 2", "server\nredis\nversion\n7.0.0\nproto\n2\nid"},
		{"FLUSHDB", "OK"},
		{"DBSIZE", "0"},
		{"FLUSHALL", "OK"},
	}
	var in strings.Builder
	var want []string
	for _, s := range script {
		in.WriteString(s.cmd + "\n")
		want = append(want, s.want)
	}
	out := redisTool(t, "redis-cli", ts.addr, []byte(in.String()))
	// HELLO's id differs per connection; compare up to it.
	have := out
	for _, w := range want {
		if !strings.HasPrefix(have, w) {
			t.Fatalf("redis-cli printed, from here on:\n%s\nwant a line starting with %q\nwhole output:\n%s", have, w, out)
		}
		have = have[len(w):]
		if strings.HasPrefix(w, "server") {
			// Skip the id's value, which differs per connection.
			have = strings.TrimPrefix(have, "\n")
			have = have[strings.IndexByte(have, '\n'):]
			const tail = "\nmode\nstandalone\nrole\nmaster\nmodules\n\n" // the empty array prints as an empty line
			if !strings.HasPrefix(have, tail) {
				t.Fatalf("HELLO tail: %q", have)
			}
			have = have[len(tail):]
			continue
		}
		if !strings.HasPrefix(have, "\n") {
			t.Fatalf("after %q: %q", w, have)
		}
		have = have[1:]
	}
	if have != "" {
		t.Fatalf("unexpected output at the end: %q", have)
	}

	// Command-line mode, INFO, and the --scan iterator.
	if have := redisTool(t, "redis-cli", ts.addr, nil, "set", "greeting", "hello world"); have != "OK\n" {
		t.Fatalf("redis-cli set: %q", have)
	}
	if have := redisTool(t, "redis-cli", ts.addr, nil, "-n", "0", "get", "greeting"); have != "hello world\n" {
		t.Fatalf("redis-cli -n 0 get: %q", have)
	}
	info := redisTool(t, "redis-cli", ts.addr, nil, "info")
	for _, want := range []string{"redis_version:7.0.0", "# Persistence", "# Seam", "listener_accepted:"} {
		if !strings.Contains(info, want) {
			t.Fatalf("redis-cli info lacks %q:\n%s", want, info)
		}
	}
	for i := range 500 {
		ts.store.Set([]byte(fmt.Sprint("scan:", i)), []byte("x"), store.SetOptions{}, nil)
	}
	keys := strings.Fields(redisTool(t, "redis-cli", ts.addr, nil, "--scan", "--pattern", "scan:*"))
	if len(keys) != 500 {
		t.Fatalf("redis-cli --scan found %d keys, want 500", len(keys))
	}
	if have := redisTool(t, "redis-cli", ts.addr, nil, "quit"); have != "OK\n" {
		t.Fatalf("redis-cli quit: %q", have)
	}
}

// TestRedisCLIPipe is redis-cli's mass insertion: raw protocol on stdin,
// then an ECHO to know when every reply has come back.
func TestRedisCLIPipe(t *testing.T) {
	lookPath(t, "redis-cli")
	ts := startServer(t, serverOpts{})
	const n = 20000
	var in []byte
	for i := range n {
		in = resp.AppendCommand(in, []byte("SET"), []byte(fmt.Sprint("mass:", i)), []byte(fmt.Sprint("value-", i)))
	}
	out := redisTool(t, "redis-cli", ts.addr, in, "--pipe")
	if want := fmt.Sprintf("errors: 0, replies: %d", n); !strings.Contains(out, want) {
		t.Fatalf("redis-cli --pipe: %q, want %q", out, want)
	}
	c := ts.dial(t)
	if have := do(t, c, "DBSIZE"); have != fmt.Sprintf("(integer) %d", n) {
		t.Fatalf("DBSIZE = %s", have)
	}
	if have := do(t, c, "GET", "mass:12345"); have != `"value-12345"` {
		t.Fatalf("GET = %s", have)
	}
}

// redisBenchmark runs redis-benchmark with args against a server with the
// append-only file on, and returns the server; it fails the test unless
// each of tests has a result and the output has no error.
func redisBenchmark(t *testing.T, tests []string, args ...string) *testServer {
	t.Helper()
	lookPath(t, "redis-benchmark")
	w, err := aof.New(aof.Config{Path: filepath.Join(t.TempDir(), "bench.aof")})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, serverOpts{aof: w})
	out := redisTool(t, "redis-benchmark", ts.addr, nil, args...)
	t.Logf("redis-benchmark (race detector on):\n%s", out)
	for _, test := range tests {
		if !strings.Contains(out, test+": ") {
			t.Errorf("no result for %q", test)
		}
	}
	if strings.Contains(strings.ToLower(out), "error") {
		t.Errorf("errors in the output")
	}
	return ts
}

// TestRedisBenchmark runs redis-benchmark with pipelining and many
// clients, with the append-only file on, and wants no error.
func TestRedisBenchmark(t *testing.T) {
	ts := redisBenchmark(t, []string{"SET", "GET", "INCR", "MSET (10 keys)"},
		"-t", "set,get,incr,mset", "-P", "16", "-c", "50", "-n", "20000", "-q")
	c := ts.dial(t)
	if have := do(t, c, "GET", "counter:__rand_int__"); have != "(integer) 20000" && have != `"20000"` {
		t.Errorf("the INCR test's counter = %s, want 20000", have)
	}
	if v, _ := c.Do("INFO", "persistence"); !strings.Contains(v.Str, "aof_last_write_status:ok") {
		t.Errorf("INFO persistence:\n%s", v.Str)
	}
}
