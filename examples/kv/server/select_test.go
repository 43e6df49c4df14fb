package server

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// selectScript exercises SELECT, and DBSIZE, FLUSHDB and FLUSHALL across
// databases.
var selectScript = []string{
	"SELECT 9", "SET k v9", "DBSIZE", "SELECT 0", "GET k", "SET k v0", "SET j v0", "DBSIZE",
	"SELECT 9", "GET k", "FLUSHDB", "DBSIZE", "SELECT 0", "GET k", "DBSIZE",
	"SELECT 16", "SELECT -1", "SELECT x", "SELECT 15", "SET a 1", "DBSIZE",
	"FLUSHALL", "DBSIZE", "SELECT 0", "DBSIZE", "SELECT 9", "DBSIZE",
}

func TestSelectSideBySide(t *testing.T) { sideBySide(t, selectScript) }

// INFO keyspace has a line per database that has keys, and CLIENT INFO
// and CLIENT LIST name the database selected.
func TestSelectInfoAndClientList(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, cmd := range [][]string{{"SET", "a", "1"}, {"SELECT", "9"}, {"SET", "b", "1"}, {"SET", "c", "1"}, {"EXPIRE", "c", "100"}} {
		do(t, c, cmd...)
	}
	info := do(t, c, "INFO", "keyspace")
	for _, want := range []string{"db0:keys=1,expires=0,avg_ttl=0", "db9:keys=2,expires=1,avg_ttl=0"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO keyspace lacks %q:\n%s", want, info)
		}
	}
	if s := do(t, c, "CLIENT", "INFO"); !strings.Contains(s, " db=9 ") {
		t.Errorf("CLIENT INFO: %s", s)
	}
	if s := do(t, ts.dial(t), "CLIENT", "LIST"); !strings.Contains(s, " db=9 ") {
		t.Errorf("CLIENT LIST: %s", s)
	}
}

// Writes to several databases, a FLUSHDB and a FLUSHALL among them,
// replay into their databases, from the file as written and from the
// file rewritten.
func TestSelectReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dbs.aof")
	writes := [][]string{
		{"SET", "a", "0"}, {"SELECT", "3"}, {"SET", "a", "3"}, {"RPUSH", "l", "x", "y"}, {"SELECT", "5"},
		{"SET", "gone", "5"}, {"FLUSHDB"}, {"SET", "b", "5"}, {"SELECT", "7"}, {"SET", "c", "7"}, {"FLUSHALL"},
		{"SET", "d", "7"}, {"SELECT", "0"}, {"SET", "e", "0"}, {"SELECT", "3"}, {"SET", "a", "3"}, {"EXPIRE", "a", "1000"},
		{"SELECT", "15"}, {"HSET", "h", "f", "v"}, {"SELECT", "0"}, {"SET", "z", "0"},
	}
	var before string
	for round := range 3 {
		w, err := aof.New(aof.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		ts := startServer(t, serverOpts{aof: w})
		c := ts.dial(t)
		switch round {
		case 0:
			for _, args := range writes {
				if v, err := c.Do(args...); err != nil || v.Err() != nil {
					t.Fatalf("%q: %v %v", args, v, err)
				}
			}
			before = dumpDBs(t, c)
		case 1:
			if after := dumpDBs(t, c); after != before {
				t.Fatalf("after replay:\n%s\nbefore:\n%s", after, before)
			}
			if err := w.Rewrite(context.Background(), func(ctx context.Context, s *aof.RewriteSink) error {
				return ts.store.Rewrite(ctx, s)
			}); err != nil {
				t.Fatal(err)
			}
		case 2:
			if after := dumpDBs(t, c); after != before {
				t.Fatalf("after the rewrite and a replay:\n%s\nbefore:\n%s", after, before)
			}
		}
		ts.stop()
	}
}

// dumpDBs renders every database's keyspace (see dumpKeys), and leaves c
// in database 0.
func dumpDBs(t *testing.T, c *respclient.Client) string {
	t.Helper()
	var b strings.Builder
	for n := range 16 {
		do(t, c, "SELECT", strconv.Itoa(n))
		if keys := dumpKeys(t, c); keys != "" {
			b.WriteString("db" + strconv.Itoa(n) + ":\n" + keys)
		}
	}
	do(t, c, "SELECT", "0")
	return b.String()
}

// swapScript exercises SWAPDB, errors included.
var swapScript = []string{
	"SET a 0", "SELECT 1", "SET b 1", "SWAPDB 0 1", "GET a", "GET b", "SELECT 0", "GET a", "GET b", "DBSIZE",
	"SWAPDB 1 1", "SWAPDB 0 16", "SWAPDB -1 0", "SWAPDB x 0", "SWAPDB 0 x", "SWAPDB 0 2", "DBSIZE", "SELECT 2", "GET b",
}

func TestSwapDBSideBySide(t *testing.T) { sideBySide(t, swapScript) }

// SWAPDB is journalled and replays; a key watched in either database is
// touched.
func TestSwapDB(t *testing.T) {
	checkReplay(t, [][]string{{"SET", "a", "0"}, {"SELECT", "3"}, {"SET", "b", "3"}, {"SWAPDB", "0", "3"}, {"SET", "c", "x"}}, dumpDBs)
	ts := startServer(t, serverOpts{})
	c, other := ts.dial(t), ts.dial(t)
	do(t, other, "SELECT", "1")
	do(t, other, "SET", "k", "in 1")
	do(t, c, "WATCH", "k") // missing in 0, present in 1
	do(t, other, "SWAPDB", "0", "1")
	do(t, c, "MULTI")
	do(t, c, "PING")
	if got := do(t, c, "EXEC"); got != "(nil)" {
		t.Fatalf("EXEC after SWAPDB brought the watched key in: %s", got)
	}
}

// SWAPDB is refused while a rewrite runs: the rewrite dumps each database
// by its number.
func TestSwapDBDuringRewrite(t *testing.T) {
	w, err := aof.New(aof.Config{Path: filepath.Join(t.TempDir(), "swap.aof")})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, serverOpts{aof: w})
	c := ts.dial(t)
	do(t, c, "SET", "a", "0")
	var during string
	err = w.Rewrite(context.Background(), func(ctx context.Context, s *aof.RewriteSink) error {
		return ts.store.Rewrite(ctx, finishHook{s, func() { during = do(t, c, "SWAPDB", "0", "1") }})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "(error) ERR SWAPDB is not possible while the append-only file is being rewritten; try again"; during != want {
		t.Fatalf("SWAPDB during a rewrite: %s, want %s", during, want)
	}
	if got := do(t, c, "SWAPDB", "0", "1"); got != `"OK"` {
		t.Fatalf("SWAPDB after the rewrite: %s", got)
	}
}
