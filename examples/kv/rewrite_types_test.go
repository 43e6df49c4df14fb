package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener/seamtest"
)

// keyspace renders every key, its type, its value and whether it has an
// expiry, in a canonical order. It pipelines its reads, three round trips
// in all: a keyspace of 20,000 keys read one command at a time took most
// of this file's run.
func keyspace(t *testing.T, c *respclient.Client) string {
	t.Helper()
	v, err := c.Do("KEYS", "*")
	if err != nil {
		t.Fatal(err)
	}
	keys := v.Array
	pipeline := func(cmd func(k string) []string) []respclient.Value {
		t.Helper()
		for _, k := range keys {
			c.Send(cmd(k.Str)...)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		out := make([]respclient.Value, len(keys))
		for i := range keys {
			if out[i], err = c.Receive(); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	types := pipeline(func(k string) []string { return []string{"TYPE", k} })
	i := -1
	vals := pipeline(func(k string) []string {
		i++
		switch types[i].String() {
		case `"list"`:
			return []string{"LRANGE", k, "0", "-1"}
		case `"set"`:
			return []string{"SMEMBERS", k}
		case `"hash"`:
			return []string{"HGETALL", k}
		case `"zset"`:
			return []string{"ZRANGE", k, "0", "-1", "WITHSCORES"}
		}
		return []string{"GET", k}
	})
	ttls := pipeline(func(k string) []string { return []string{"PTTL", k} })
	var lines []string
	for i, k := range keys {
		typ, m := types[i].String(), vals[i]
		var val string
		switch typ {
		case `"string"`, `"list"`, `"zset"`:
			val = m.String()
		case `"set"`:
			var ms []string
			for _, e := range m.Array {
				ms = append(ms, e.Str)
			}
			slices.Sort(ms)
			val = strings.Join(ms, ",")
		case `"hash"`:
			var ps []string
			for i := 0; i+1 < len(m.Array); i += 2 {
				ps = append(ps, m.Array[i].Str+"="+m.Array[i+1].Str)
			}
			slices.Sort(ps)
			val = strings.Join(ps, ",")
		}
		ttl := ttls[i].String() != "(integer) -1"
		lines = append(lines, fmt.Sprintf("%s %s %s ttl=%v", k.Str, typ, val, ttl))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// mixedWrites sends n random writes of every type, including those that
// span shards (MSET, RENAME), from one client, so that the result is
// deterministic.
func mixedWrites(t *testing.T, c *respclient.Client, rng *rand.Rand, n int) {
	t.Helper()
	k := func() string { return fmt.Sprint("m", rng.IntN(300)) }
	for i := range n {
		var args []string
		switch rng.IntN(12) {
		case 0:
			args = []string{"SET", k(), fmt.Sprint(i)}
		case 1:
			args = []string{"MSET", k(), fmt.Sprint(i), k(), fmt.Sprint(i), k(), fmt.Sprint(i)}
		case 2:
			args = []string{"RENAME", k(), k()}
		case 3:
			args = []string{"DEL", k(), k()}
		case 4:
			args = []string{"RPUSH", "l" + k(), fmt.Sprint(i), "x"}
		case 5:
			args = []string{"LPOP", "l" + k()}
		case 6:
			args = []string{"SADD", "s" + k(), fmt.Sprint(i % 7), "y"}
		case 7:
			args = []string{"HSET", "h" + k(), fmt.Sprint("f", i%5), fmt.Sprint(i)}
		case 8:
			args = []string{"ZADD", "z" + k(), fmt.Sprint(i % 11), fmt.Sprint("e", i%13)}
		case 9:
			args = []string{"EXPIRE", k(), "100000"}
		case 10:
			args = []string{"INCR", "n" + k()}
		case 11:
			args = []string{"APPEND", k(), "+"}
		}
		c.Send(args...)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := c.Receive(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRewriteKeepsEveryType rewrites a keyspace of every type, big enough
// that the dump is written in several parts, while one client writes to
// every type (MSET and RENAME across shards, FLUSHALL once) with the
// rewrite held mid-dump and before its rename; the file then replays to
// exactly the keyspace the server had.
func TestRewriteKeepsEveryType(t *testing.T) {
	t.Parallel()
	for _, flush := range []bool{false, true} {
		t.Run(fmt.Sprint("flushall=", flush), func(t *testing.T) {
			t.Parallel()
			cfg, _ := testConfig(t, t.TempDir())
			p := newPauser(t)
			cfg.openAOF = p.open
			r := start(t, cfg)
			c := dial(t, r.addr)
			rng := rand.New(rand.NewPCG(1, 2))
			// About 600 KB of records, over twice the rewrite's 256 KiB
			// buffer, so that the dump's first write to the file (where
			// the rewrite is held) comes with shards still to dump.
			for i := 0; i < 8000; i += 500 {
				args := []string{"MSET"}
				for j := i; j < i+500; j++ {
					args = append(args, fmt.Sprint("big", j), strings.Repeat("x", 40))
				}
				do(t, c, args...)
			}
			mixedWrites(t, c, rng, 3000)
			do(t, c, "BGREWRITEAOF")
			seamtest.Recv(t, p.paused, "the rewrite's dump")
			mixedWrites(t, c, rng, 3000)
			if flush {
				do(t, c, "FLUSHALL")
				mixedWrites(t, c, rng, 1000)
			}
			p.release <- struct{}{}
			seamtest.Recv(t, p.paused, "the rewrite's switch")
			p.release <- struct{}{}
			seamtest.Eventually(t, "the rewrite to end", func() bool { return infoField(t, r.addr, "aof_rewrites") == "1" })
			if s := infoField(t, r.addr, "aof_last_bgrewrite_status"); s != "ok" {
				t.Fatalf("aof_last_bgrewrite_status:%s", s)
			}
			mixedWrites(t, c, rng, 500)
			want := keyspace(t, c)
			if err := r.stop(); err != nil {
				t.Fatal(err)
			}
			cfg.openAOF = nil
			r = start(t, cfg)
			if have := keyspace(t, dial(t, r.addr)); have != want {
				t.Fatalf("keyspace after replaying the rewritten file differs (%d bytes, want %d)", len(have), len(want))
			}
		})
	}
}
