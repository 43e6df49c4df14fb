package server

import (
	"bufio"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestRedisCLIKeyTools runs redis-cli --bigkeys, --memkeys and --latency
// against a keyspace with every type, and wants them to finish with exit
// status 0 and report sane numbers.
func TestRedisCLIKeyTools(t *testing.T) {
	lookPath(t, "redis-cli")
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, args := range [][]string{
		{"SET", "str", "hello"}, {"RPUSH", "list", "a", "b", "c"}, {"SADD", "set", "a", "b"},
		{"HSET", "hash", "f", "v"}, {"ZADD", "zset", "1", "a", "2", "b"},
	} {
		do(t, c, args...)
	}
	big := redisTool(t, "redis-cli", ts.addr, nil, "--bigkeys")
	for _, want := range []string{
		`Biggest   list found '"list"' has 3 items`, `Biggest    set found '"set"' has 2 members`,
		`Biggest   hash found '"hash"' has 1 fields`, `Biggest   zset found '"zset"' has 2 members`,
		`Biggest string found '"str"' has 5 bytes`,
	} {
		if !strings.Contains(big, want) {
			t.Errorf("--bigkeys: no %q in\n%s", want, big)
		}
	}
	mem := redisTool(t, "redis-cli", ts.addr, nil, "--memkeys")
	if !strings.Contains(mem, "1 lists with ") || strings.Contains(mem, "with 0 bytes (20") {
		t.Errorf("--memkeys:\n%s", mem)
	}
	lat := strings.Fields(redisTool(t, "redis-cli", ts.addr, nil, "--latency"))
	if len(lat) != 4 {
		t.Fatalf("--latency printed %q, want min max avg samples", lat)
	}
	if n, err := strconv.Atoi(lat[3]); err != nil || n <= 0 {
		t.Errorf("--latency samples = %q", lat[3])
	}
}

// TestRedisCLIStat reads redis-cli --stat's lines until it has shown three
// samples, and wants keys, memory, clients and blocked clients to be sane
// numbers rather than the -9223372036854775808 of a missing INFO field.
// --stat runs until stopped, so the test stops it once it has the
// samples; stdbuf makes it write each line as it goes.
func TestRedisCLIStat(t *testing.T) {
	cli := lookPath(t, "redis-cli")
	stdbuf := lookPath(t, "stdbuf")
	ts := startServer(t, serverOpts{})
	do(t, ts.dial(t), "SET", "k", "v")
	host, port := hostPort(t, ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, stdbuf, "-oL", cli, "-h", host, "-p", port, "--stat", "-i", "0.1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	samples := 0
	for samples < 3 && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || f[0] == "keys" || strings.HasPrefix(f[0], "-") {
			continue
		}
		samples++
		if f[0] != "1" || strings.HasPrefix(f[1], "-") || f[2] == "0" || f[3] != "0" {
			t.Errorf("--stat line %q: want 1 key, a memory size, clients, 0 blocked", sc.Text())
		}
	}
	if samples < 3 {
		t.Fatalf("--stat ended after %d samples: %v", samples, sc.Err())
	}
}
