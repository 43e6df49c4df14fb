package server

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// TestCommands runs every command through a real connection, with the
// replies and error texts Redis 7 gives (checked against redis-server
// 7.0.15).
func TestCommands(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, `"PONG"`},
		{[]string{"ping", "hello"}, `"hello"`},
		{[]string{"PING", "a", "b"}, "(error) ERR wrong number of arguments for 'ping' command"},
		{[]string{"ECHO", "hi"}, `"hi"`},
		{[]string{"ECHO"}, "(error) ERR wrong number of arguments for 'echo' command"},
		{[]string{"FOO", "bar", "baz"}, "(error) ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' "},
		{[]string{"DEBUG", "PANIC"}, "(error) ERR unknown command 'DEBUG', with args beginning with: 'PANIC' "},

		// SET and its options.
		{[]string{"SET", "k", "v"}, `"OK"`},
		{[]string{"GET", "k"}, `"v"`},
		{[]string{"get", "nothing"}, "(nil)"},
		{[]string{"GET"}, "(error) ERR wrong number of arguments for 'get' command"},
		{[]string{"GET", "k", "extra"}, "(error) ERR wrong number of arguments for 'get' command"},
		{[]string{"SET", "k"}, "(error) ERR wrong number of arguments for 'set' command"},
		{[]string{"SET", "k", "v2", "NX"}, "(nil)"},
		{[]string{"SET", "k", "v2", "xx"}, `"OK"`},
		{[]string{"SET", "k", "v3", "NX", "XX"}, "(error) ERR syntax error"},
		{[]string{"SET", "k", "v3", "GET"}, `"v2"`},
		{[]string{"SET", "newk", "v", "GET"}, "(nil)"},
		{[]string{"SET", "newk", "w", "NX", "GET"}, `"v"`},
		{[]string{"SET", "k", "v", "EX", "0"}, "(error) ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "EX", "-5"}, "(error) ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "EX", "abc"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"SET", "k", "v", "EX", "10", "PX", "100"}, "(error) ERR syntax error"},
		{[]string{"SET", "k", "v", "KEEPTTL", "EX", "10"}, "(error) ERR syntax error"},
		{[]string{"SET", "k", "v", "EX", "9223372036854775"}, "(error) ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "PX", "9223372036854775807"}, "(error) ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "EX"}, "(error) ERR syntax error"},
		{[]string{"SET", "k", "v", "BOGUS"}, "(error) ERR syntax error"},
		{[]string{"SET", "ttl", "v", "EX", "100"}, `"OK"`},
		{[]string{"TTL", "ttl"}, "(integer) 100"},
		{[]string{"SET", "ttl", "w", "KEEPTTL"}, `"OK"`},
		{[]string{"TTL", "ttl"}, "(integer) 100"},
		{[]string{"SET", "ttl", "w"}, `"OK"`},
		{[]string{"TTL", "ttl"}, "(integer) -1"},
		{[]string{"SET", "ttl", "v", "PXAT", "1"}, `"OK"`}, // already past: the key goes
		{[]string{"EXISTS", "ttl"}, "(integer) 0"},
		{[]string{"SET", "bin", "a\r\nb\x00c"}, `"OK"`},
		{[]string{"GET", "bin"}, `"a\r\nb\x00c"`},
		{[]string{"SET", "empty", ""}, `"OK"`},
		{[]string{"GET", "empty"}, `""`},

		// GETSET, DEL, EXISTS.
		{[]string{"GETSET", "k", "old"}, `"v3"`},
		{[]string{"GETSET", "missing", "x"}, "(nil)"},
		{[]string{"GETSET", "k"}, "(error) ERR wrong number of arguments for 'getset' command"},
		{[]string{"DEL", "nothing"}, "(integer) 0"},
		{[]string{"DEL", "k", "k", "missing", "nothing"}, "(integer) 2"},
		{[]string{"DEL"}, "(error) ERR wrong number of arguments for 'del' command"},
		{[]string{"EXISTS", "k", "newk", "newk", "nothing"}, "(integer) 2"},

		// Counters.
		{[]string{"INCR", "n"}, "(integer) 1"},
		{[]string{"INCR", "n"}, "(integer) 2"},
		{[]string{"INCRBY", "n", "10"}, "(integer) 12"},
		{[]string{"INCRBY", "n", "abc"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"INCRBY", "n", "1.5"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"DECR", "n"}, "(integer) 11"},
		{[]string{"DECRBY", "n", "5"}, "(integer) 6"},
		{[]string{"DECRBY", "n", "-9223372036854775808"}, "(error) ERR decrement would overflow"},
		{[]string{"INCRBY", "n", "9223372036854775807"}, "(error) ERR increment or decrement would overflow"},
		{[]string{"SET", "big", "9223372036854775807"}, `"OK"`},
		{[]string{"INCR", "big"}, "(error) ERR increment or decrement would overflow"},
		{[]string{"SET", "s", "abc"}, `"OK"`},
		{[]string{"INCR", "s"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"SET", "s", "  12"}, `"OK"`},
		{[]string{"DECR", "s"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"INCR"}, "(error) ERR wrong number of arguments for 'incr' command"},

		// APPEND, STRLEN, MSET, MGET.
		{[]string{"APPEND", "ap", "hello"}, "(integer) 5"},
		{[]string{"APPEND", "ap", " world"}, "(integer) 11"},
		{[]string{"GET", "ap"}, `"hello world"`},
		{[]string{"STRLEN", "ap"}, "(integer) 11"},
		{[]string{"STRLEN", "nothing"}, "(integer) 0"},
		{[]string{"MSET", "a", "1", "b", "2", "c", "3"}, `"OK"`},
		{[]string{"MSET", "a", "1", "b"}, "(error) ERR wrong number of arguments for 'mset' command"},
		{[]string{"MSET", "a"}, "(error) ERR wrong number of arguments for 'mset' command"},
		{[]string{"MGET", "a", "b", "nothing", "c"}, `["1", "2", (nil), "3"]`},
		{[]string{"MGET"}, "(error) ERR wrong number of arguments for 'mget' command"},

		// Expiry.
		{[]string{"SET", "t", "v"}, `"OK"`},
		{[]string{"EXPIRE", "t", "100"}, "(integer) 1"},
		{[]string{"TTL", "t"}, "(integer) 100"},
		{[]string{"EXPIRE", "t", "100", "NX"}, "(integer) 0"},
		{[]string{"EXPIRE", "t", "200", "XX"}, "(integer) 1"},
		{[]string{"EXPIRE", "t", "50", "GT"}, "(integer) 0"},
		{[]string{"EXPIRE", "t", "50", "LT"}, "(integer) 1"},
		{[]string{"TTL", "t"}, "(integer) 50"},
		{[]string{"EXPIRE", "t", "50", "NX", "XX"}, "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{[]string{"EXPIRE", "t", "50", "GT", "LT"}, "(error) ERR GT and LT options at the same time are not compatible"},
		{[]string{"EXPIRE", "t", "50", "FOO"}, "(error) ERR Unsupported option FOO"},
		{[]string{"EXPIRE", "t", "abc"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"EXPIRE", "t", "9223372036854775807"}, "(error) ERR invalid expire time in 'expire' command"},
		{[]string{"PEXPIRE", "t", "9223372036854775807"}, "(error) ERR invalid expire time in 'pexpire' command"},
		{[]string{"EXPIRE", "t"}, "(error) ERR wrong number of arguments for 'expire' command"},
		{[]string{"PEXPIRE", "t", "100000"}, "(integer) 1"},
		{[]string{"TTL", "t"}, "(integer) 100"},
		{[]string{"PERSIST", "t"}, "(integer) 1"},
		{[]string{"PERSIST", "t"}, "(integer) 0"},
		{[]string{"TTL", "t"}, "(integer) -1"},
		{[]string{"PTTL", "t"}, "(integer) -1"},
		{[]string{"TTL", "nothing"}, "(integer) -2"},
		{[]string{"PTTL", "nothing"}, "(integer) -2"},
		{[]string{"EXPIRE", "nothing", "10"}, "(integer) 0"},
		{[]string{"PERSIST", "nothing"}, "(integer) 0"},
		{[]string{"EXPIREAT", "t", strconv.FormatInt(time.Now().Unix()+1000, 10)}, "(integer) 1"},
		{[]string{"EXPIRE", "t", "-1"}, "(integer) 1"},
		{[]string{"EXISTS", "t"}, "(integer) 0"},

		// Keyspace.
		{[]string{"FLUSHDB"}, `"OK"`},
		{[]string{"DBSIZE"}, "(integer) 0"},
		{[]string{"MSET", "user:1", "a", "user:2", "b", "other", "c"}, `"OK"`},
		{[]string{"DBSIZE"}, "(integer) 3"},
		{[]string{"KEYS", "nothing*"}, "[]"},
		{[]string{"KEYS"}, "(error) ERR wrong number of arguments for 'keys' command"},
		{[]string{"SCAN", "abc"}, "(error) ERR invalid cursor"},
		{[]string{"SCAN", "0", "COUNT", "0"}, "(error) ERR syntax error"},
		{[]string{"SCAN", "0", "COUNT", "x"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"SCAN", "0", "MATCH"}, "(error) ERR syntax error"},
		{[]string{"SCAN", "0", "FOO", "bar"}, "(error) ERR syntax error"},
		{[]string{"SCAN", "0", "COUNT", "1000", "TYPE", "hash"}, `["0", []]`},
		{[]string{"SCAN", "99999"}, `["0", []]`},
		{[]string{"FLUSHDB", "x"}, "(error) ERR syntax error"},
		{[]string{"FLUSHDB", "ASYNC", "a"}, "(error) ERR syntax error"},
		{[]string{"SELECT", "0"}, `"OK"`},
		{[]string{"SELECT", "16"}, "(error) ERR DB index is out of range"},
		{[]string{"SELECT", "-1"}, "(error) ERR DB index is out of range"},
		{[]string{"SELECT", "x"}, "(error) ERR value is not an integer or out of range"},

		// Connection.
		{[]string{"CLIENT", "GETNAME"}, "(nil)"},
		{[]string{"CLIENT", "SETNAME", "my-name"}, `"OK"`},
		{[]string{"CLIENT", "GETNAME"}, `"my-name"`},
		{[]string{"CLIENT", "SETNAME", "bad name"}, "(error) ERR Client names cannot contain spaces, newlines or special characters."},
		{[]string{"CLIENT", "SETNAME"}, "(error) ERR wrong number of arguments for 'client|setname' command"},
		{[]string{"CLIENT", "BOGUS"}, "(error) ERR unknown subcommand 'BOGUS'. Try CLIENT HELP."},
		{[]string{"CLIENT"}, "(error) ERR wrong number of arguments for 'client' command"},
		{[]string{"CLIENT", "SETINFO", "lib-name", "x"}, `"OK"`},
		{[]string{"CONFIG", "GET", "save"}, `["save", ""]`},
		{[]string{"CONFIG", "GET", "appendonly"}, `["appendonly", "no"]`},
		{[]string{"CONFIG", "GET", "maxclients", "databases"}, `["databases", "16", "maxclients", "0"]`},
		{[]string{"CONFIG", "GET"}, "(error) ERR wrong number of arguments for 'config|get' command"},
		{[]string{"CONFIG", "BOGUS"}, "(error) ERR unknown subcommand 'BOGUS'. Try CONFIG HELP."},
		{[]string{"HELLO", "4"}, "(error) NOPROTO unsupported protocol version"},
		{[]string{"HELLO", "1"}, "(error) NOPROTO unsupported protocol version"},
		{[]string{"HELLO", "x"}, "(error) ERR Protocol version is not an integer or out of range"},
		{[]string{"HELLO", "2", "BOGUS"}, "(error) ERR Syntax error in HELLO option 'BOGUS'"},
		{[]string{"COMMAND", "BOGUS"}, "(error) ERR unknown subcommand 'BOGUS'. Try COMMAND HELP."},
		{[]string{"COMMAND", "INFO", "get", "nosuch"}, `[["get", (integer) 2, ["readonly", "fast"], (integer) 1, (integer) 1, (integer) 1, ["@string"], [], [], []], (nil)]`},
		{[]string{"COMMAND", "DOCS", "echo"}, `["echo", ["summary", "Returns the given string.", "since", "1.0.0", "group", "connection"]]`},
		{[]string{"FLUSHALL"}, `"OK"`},
		{[]string{"DBSIZE"}, "(integer) 0"},
	}
	for _, st := range steps {
		if have := do(t, c, st.args...); have != st.want {
			t.Errorf("%q:\n have %s\n want %s", st.args, have, st.want)
		}
	}
}

func TestHelloAndClientID(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	id := do(t, c, "CLIENT", "ID")
	if !strings.HasPrefix(id, "(integer) ") {
		t.Fatalf("CLIENT ID = %s", id)
	}
	hello := do(t, c, "HELLO", "2", "SETNAME", "viahello")
	want := fmt.Sprintf(`["server", "redis", "version", "7.0.0", "proto", (integer) 2, "id", %s, "mode", "standalone", "role", "master", "modules", []]`, id)
	if hello != want {
		t.Fatalf("HELLO = %s\nwant %s", hello, want)
	}
	if name := do(t, c, "CLIENT", "GETNAME"); name != `"viahello"` {
		t.Fatalf("name after HELLO SETNAME = %s", name)
	}
	if other := do(t, ts.dial(t), "CLIENT", "ID"); other == id {
		t.Fatal("two connections share a CLIENT ID")
	}
	if info := do(t, c, "CLIENT", "INFO"); !strings.Contains(info, "name=viahello") {
		t.Fatalf("CLIENT INFO = %s", info)
	}
}

func TestCommandListsEveryCommand(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	v, err := c.Do("COMMAND")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range v.Array {
		names = append(names, e.Array[0].Str)
	}
	for _, want := range []string{"get", "set", "getset", "del", "exists", "incr", "decr", "incrby", "decrby",
		"append", "strlen", "mset", "mget", "expire", "pexpire", "ttl", "pttl", "persist", "keys", "scan",
		"dbsize", "flushdb", "flushall", "select", "info", "command", "config", "client", "hello", "quit", "ping", "echo"} {
		if !slices.Contains(names, want) {
			t.Errorf("COMMAND does not list %s", want)
		}
	}
	if slices.Contains(names, "debug") {
		t.Error("COMMAND lists the hidden debug command")
	}
	if have, want := do(t, c, "COMMAND", "COUNT"), fmt.Sprintf("(integer) %d", len(names)); have != want {
		t.Errorf("COMMAND COUNT = %s, want %s", have, want)
	}
}

func TestKeysAndScan(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	want := map[string]bool{}
	for i := range 300 {
		k := fmt.Sprint("user:", i)
		c.Send("SET", k, "x")
		want[k] = true
	}
	c.Send("SET", "other", "x")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for range 301 {
		if v, err := c.Receive(); err != nil || v.Str != "OK" {
			t.Fatalf("SET: %v %v", v, err)
		}
	}
	v, err := c.Do("KEYS", "user:*")
	if err != nil || len(v.Array) != 300 {
		t.Fatalf("KEYS user:* gave %d keys, %v", len(v.Array), err)
	}
	if have := do(t, c, "KEYS", "oth?r"); have != `["other"]` {
		t.Fatalf("KEYS oth?r = %s", have)
	}
	seen := map[string]bool{}
	cursor := "0"
	for i := 0; ; i++ {
		v, err := c.Do("SCAN", cursor, "MATCH", "user:*", "COUNT", "20")
		if err != nil || len(v.Array) != 2 {
			t.Fatalf("SCAN: %v %v", v, err)
		}
		for _, k := range v.Array[1].Array {
			seen[k.Str] = true
		}
		if cursor = v.Array[0].Str; cursor == "0" {
			break
		}
		if i > 1000 {
			t.Fatal("SCAN does not end")
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("SCAN saw %d keys, want %d", len(seen), len(want))
	}
}

// Lazy expiry: a key is gone the moment its time has passed, for every
// command, without waiting for a sweep.
func TestLazyExpiry(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "SET", "k", "v", "PX", "30")
	do(t, c, "SET", "n", "5", "PX", "30")
	seamtest.Eventually(t, "k to expire", func() bool { return do(t, c, "GET", "k") == "(nil)" })
	seamtest.Eventually(t, "n to expire", func() bool { return do(t, c, "EXISTS", "n") == "(integer) 0" })
	if have := do(t, c, "INCR", "n"); have != "(integer) 1" {
		t.Fatalf("INCR of an expired counter = %s, want 1", have)
	}
	if have := do(t, c, "TTL", "k"); have != "(integer) -2" {
		t.Fatalf("TTL = %s", have)
	}
	if ts.store.Expired() < 2 {
		t.Fatalf("expired_keys = %d", ts.store.Expired())
	}
}

func TestInfo(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "SET", "k", "v")
	do(t, c, "GET", "k")
	do(t, c, "GET", "nothing")
	v, err := c.Do("INFO")
	if err != nil {
		t.Fatal(err)
	}
	_, port := hostPort(t, ts.addr)
	for _, want := range []string{
		"# Server\r\n", "redis_version:7.0.0\r\n", "tcp_port:" + port + "\r\n",
		"# Clients\r\n", "connected_clients:1\r\n",
		"# Stats\r\n", "keyspace_hits:1\r\n", "keyspace_misses:1\r\n",
		"# Persistence\r\n", "aof_enabled:0\r\n",
		"# Seam\r\n", "listener_accepted:1\r\n", "listener_active:1\r\n", "listener_panics:0\r\n",
		"# Keyspace\r\n", "db0:keys=1,expires=0,avg_ttl=0\r\n",
	} {
		if !strings.Contains(v.Str, want) {
			t.Errorf("INFO lacks %q:\n%s", want, v.Str)
		}
	}
	// The seam section has every field of listener.Stats, the two that
	// came last among them.
	seam, _ := c.Do("INFO", "seam")
	lines := strings.Count(seam.Str, "\r\nlistener_")
	if n := reflect.TypeFor[listener.Stats]().NumField(); lines != n {
		t.Errorf("INFO seam has %d listener_ fields; listener.Stats has %d:\n%s", lines, n, seam.Str)
	}
	for _, want := range []string{"listener_handshake_timeouts:0\r\n", "listener_proxy_header_errors:0\r\n", "listener_rejected_per_ip:0\r\n"} {
		if !strings.Contains(seam.Str, want) {
			t.Errorf("INFO seam lacks %q:\n%s", want, seam.Str)
		}
	}
	v, _ = c.Do("INFO", "clients")
	if strings.Contains(v.Str, "# Server") || !strings.Contains(v.Str, "# Clients") {
		t.Errorf("INFO clients:\n%s", v.Str)
	}
}

func TestQuit(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	c.Send("QUIT")
	c.Send("PING")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Receive(); err != nil || v.String() != `"OK"` {
		t.Fatalf("QUIT: %v %v", v, err)
	}
	if v, err := c.Receive(); err == nil {
		t.Fatalf("a command after QUIT was answered: %v", v)
	}
}
