package server

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// multiScript exercises MULTI, EXEC, DISCARD, WATCH and UNWATCH on one
// connection, errors included.
var multiScript = []string{
	"EXEC", "DISCARD", "MULTI", "MULTI", "SET a 1", "INCR a", "LPUSH a x", "GET a", "EXEC",
	"MULTI", "SET b 1", "NOSUCHCOMMAND", "EXEC", "EXISTS b",
	"MULTI", "SET b 1", "GET", "EXEC", "EXISTS b",
	"MULTI", "SET b 1", "DISCARD", "EXISTS b", "EXEC",
	"MULTI", "EXEC",
	"WATCH a", "SET a 2", "MULTI", "GET a", "EXEC",
	"WATCH a", "MULTI", "GET a", "EXEC",
	"WATCH a", "UNWATCH", "SET a 3", "MULTI", "GET a", "EXEC",
	"MULTI", "WATCH a", "DISCARD",
	"WATCH a", "MULTI", "SELECT 1", "SET a 1", "EXEC", "GET a", "SELECT 0", "GET a",
	"WATCH nokey", "FLUSHALL", "MULTI", "PING", "EXEC",
	"SET w 1", "WATCH w", "FLUSHDB", "MULTI", "PING", "EXEC",
	"SET w 1", "WATCH w", "DISCARD", "MULTI", "DISCARD", "SET w 2", "MULTI", "PING", "EXEC",
	"SET w 1", "WATCH w", "EXPIRE w 100", "MULTI", "PING", "EXEC",
}

func TestMultiSideBySide(t *testing.T) { sideBySide(t, multiScript) }

// A key watched by one client and written by another fails the first's
// EXEC; one written in another database does not.
func TestWatchOtherClient(t *testing.T) {
	ts := startServer(t, serverOpts{})
	a, b := ts.dial(t), ts.dial(t)
	do(t, a, "WATCH", "k")
	do(t, b, "SELECT", "1")
	do(t, b, "SET", "k", "other db")
	do(t, a, "MULTI")
	do(t, a, "SET", "k", "mine")
	if got := do(t, a, "EXEC"); got != `["OK"]` {
		t.Fatalf("EXEC after a write to another database's k: %s", got)
	}
	do(t, a, "WATCH", "k")
	do(t, b, "SELECT", "0")
	do(t, b, "SET", "k", "theirs")
	do(t, a, "MULTI")
	do(t, a, "SET", "k", "mine again")
	if got := do(t, a, "EXEC"); got != "(nil)" {
		t.Fatalf("EXEC after another client wrote k: %s, want a null reply", got)
	}
	if got := do(t, a, "GET", "k"); got != `"theirs"` {
		t.Fatalf("k = %s", got)
	}
}

// SMOVE marks only the keys it changed for WATCH, as Redis does: a
// destination that had the member already is untouched; its source, and a
// destination that gained the member, are touched.
func TestWatchSMove(t *testing.T) {
	ts := startServer(t, serverOpts{})
	a, b := ts.dial(t), ts.dial(t)
	for _, tc := range []struct {
		watch, member string
		want          string
	}{
		{"dst", "a", `[(integer) 1]`}, // dst had a: unchanged
		{"src", "b", "(nil)"},         // src lost b
		{"dst", "c", "(nil)"},         // dst gained c
	} {
		do(t, a, "DEL", "src", "dst")
		do(t, a, "SADD", "src", "a", "b", "c")
		do(t, a, "SADD", "dst", "a")
		do(t, a, "WATCH", tc.watch)
		do(t, a, "MULTI")
		do(t, a, "SADD", "other", "x")
		do(t, b, "SMOVE", "src", "dst", tc.member)
		if have := do(t, a, "EXEC"); have != tc.want {
			t.Errorf("WATCH %s, SMOVE src dst %s: EXEC %s, want %s", tc.watch, tc.member, have, tc.want)
		}
		do(t, a, "DEL", "other")
	}
}

// A watched key that expires before EXEC fails it, as in Redis 7: no
// write announced it. The store's clock is moved, not waited for.
func TestWatchExpired(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixMilli())
	ts := startServer(t, serverOpts{config: func(cfg *Config) { cfg.Store.SetClock(now.Load) }})
	c := ts.dial(t)
	do(t, c, "SET", "k", "v", "PX", "100000")
	do(t, c, "WATCH", "k")
	now.Add(200000)
	do(t, c, "MULTI")
	do(t, c, "PING")
	if got := do(t, c, "EXEC"); got != "(nil)" {
		t.Fatalf("EXEC after the watched key expired: %s, want a null reply", got)
	}
	// A key already expired when watched does not fail EXEC.
	do(t, c, "SET", "k", "v", "PX", "100000")
	now.Add(200000)
	do(t, c, "WATCH", "k")
	do(t, c, "MULTI")
	do(t, c, "PING")
	if got := do(t, c, "EXEC"); got != `["PONG"]` {
		t.Fatalf("EXEC with a key expired before WATCH: %s", got)
	}
}

// EXEC's commands run as one step: the INCRs of other clients, sent
// without pause meanwhile, never land between a transaction's first GET
// and its last, a hundred commands later.
func TestExecIsAtomic(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "SET", "n", "0")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		o := ts.dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := o.Do("INCR", "n"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	const queued = 100
	for range 20 {
		do(t, c, "MULTI")
		do(t, c, "GET", "n")
		for range queued {
			do(t, c, "STRLEN", "n")
		}
		do(t, c, "GET", "n")
		got, err := c.Do("EXEC")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Array) != queued+2 || got.Array[0].Str != got.Array[queued+1].Str {
			t.Fatalf("a write came between a transaction's commands: n went from %s to %s",
				got.Array[0], got.Array[len(got.Array)-1])
		}
	}
}

// A transaction's writes are journalled and replay, in their databases.
func TestMultiReplay(t *testing.T) {
	checkReplay(t, [][]string{{"MULTI"}, {"SET", "a", "1"}, {"SELECT", "2"}, {"INCR", "a"}, {"RPUSH", "l", "x"}, {"EXEC"}}, dumpDBs)
}
