package server

import (
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/store"
)

// streamScript exercises the stream commands, errors included, with
// explicit IDs and nothing that depends on the clock.
var streamScript = []string{
	"XADD s 1-1 a 1", "XADD s 1-* b 2", "XADD s 5 c 3 d 4", "XADD s 2-1 x y", "XADD s 5-0 x y", "XADD s 0-0 x y",
	"XADD s 0 x y", "XADD s * x", "XADD s x y z", "XADD s MAXLEN x 1 x y", "XADD s MAXLEN -1 9 x y",
	"XADD s MAXLEN 1 MINID 1 9 x y", "XADD s LIMIT 5 9 x y", "XADD s MAXLEN 5 LIMIT 5 9 x y",
	"XADD s NOMKSTREAM 6 e 5", "XADD nos NOMKSTREAM 1 a b", "EXISTS nos", "XADD s - a b", "XADD s 18446744073709551616 a b",
	"XLEN s", "XLEN nos", "XRANGE s - +", "XRANGE s - + COUNT 2", "XRANGE s (1-1 +", "XRANGE s - (5", "XRANGE s 2 5",
	"XRANGE s - + COUNT 0", "XRANGE nos - + COUNT 0", "XRANGE s - + COUNT", "XRANGE s - + FOO 1", "XRANGE s x +",
	"XRANGE s (18446744073709551615-18446744073709551615 +", "XRANGE s - (0-0", "XREVRANGE s + -", "XREVRANGE s + - COUNT 1",
	"XREVRANGE s (5-0 -", "XREVRANGE nos + -",
	"XDEL s 1-2 9-9", "XDEL s x", "XDEL nos x", "XLEN s", "XRANGE s - +",
	"XTRIM s MAXLEN 2", "XTRIM s", "XTRIM s FOO", "XTRIM s MAXLEN ~ 0", "XTRIM s MINID = 6", "XTRIM s MINID 6 LIMIT 1", "XTRIM s MAXLEN ~ 1 LIMIT -1", "XTRIM s MAXLEN ~ 1 LIMIT x",
	"XRANGE s - +", "XTRIM nos MAXLEN 0",
	"XSETID s 1", "XSETID s 10-0", "XSETID s 10-0 ENTRIESADDED 0", "XSETID s 10-0 ENTRIESADDED -1", "XSETID s 10-0 MAXDELETEDID 11-0",
	"XSETID s 10-0 ENTRIESADDED 20 MAXDELETEDID 9-0", "XSETID nos 1-0", "XSETID s 10-0 FOO",
	"XADD t 1 a 1", "XADD t 2 b 2", "XADD t 3 c 3", "XADD t 4 d 4",
	"XGROUP CREATE t g 0", "XGROUP CREATE t g 0", "XGROUP CREATE not g 0", "XGROUP CREATE not g $ MKSTREAM", "TYPE not",
	"XGROUP CREATE t h $ ENTRIESREAD 4", "XGROUP CREATE t i - ", "XGROUP CREATE t i 0 ENTRIESREAD -2", "XGROUP CREATE t i 0 FOO",
	"XGROUP CREATE t", "XGROUP FOO t g", "XGROUP HELP",
	"XREADGROUP GROUP g alice COUNT 2 STREAMS t >", "XREADGROUP GROUP g bob NOACK COUNT 1 STREAMS t >",
	"XREADGROUP GROUP g alice STREAMS t 0", "XREADGROUP GROUP g alice STREAMS t 1", "XREADGROUP GROUP g carol STREAMS t 0",
	"XREADGROUP GROUP g alice STREAMS t $", "XREADGROUP GROUP nog alice STREAMS t >", "XREADGROUP GROUP g alice STREAMS nos >",
	"XREADGROUP GROUP g alice STREAMS t", "XREADGROUP g alice STREAMS t >", "XREADGROUP GROUP g alice STREAMS t x",
	"XREAD STREAMS t >", "XREAD GROUP g a STREAMS t 0", "XREAD NOACK STREAMS t 0", "XREAD COUNT 2 STREAMS t nos 0 0",
	"XREAD STREAMS t $", "XREAD STREAMS t 4", "XREAD BLOCK -1 STREAMS t 0", "XREAD BLOCK x STREAMS t 0", "XREAD COUNT x STREAMS t 0",
	"XPENDING t g", "XPENDING t h", "XPENDING t nog", "XPENDING t g - + 10 nobody", "XPENDING t g x + 10", "XPENDING t g - + x",
	"XPENDING t g IDLE x - + 10", "XPENDING t g IDLE 1 - +", "XPENDING t g - +",
	"XCLAIM t g bob 0 1-0 JUSTID", "XCLAIM t g bob 0 9-0 JUSTID", "XCLAIM t g bob 0 4-0 FORCE JUSTID", "XCLAIM t g bob x 1-0",
	"XCLAIM t g bob 0 1-0 FOO", "XCLAIM t g bob 0 1-0 IDLE x", "XCLAIM t nog bob 0 1-0", "XCLAIM t g bob 0 1-0 RETRYCOUNT 7 JUSTID",
	"XCLAIM t g bob 0 1-0 LASTID 3-0", "XINFO GROUPS t",
	"XDEL t 2-0", "XAUTOCLAIM t g dan 0 0 COUNT 1", "XAUTOCLAIM t g dan 0 0", "XAUTOCLAIM t g dan 0 0 JUSTID", "XAUTOCLAIM t g dan 0 0 COUNT 0",
	"XAUTOCLAIM t g dan x 0", "XAUTOCLAIM t g dan 0 x", "XAUTOCLAIM t nog dan 0 0", "XAUTOCLAIM t g dan 0 0 FOO",
	"XPENDING t g", "XACK t g 1-0 1-0 9-0", "XACK t g x", "XACK t nog x", "XACK nos g x", "XPENDING t g",
	"XGROUP CREATECONSUMER t g erin", "XGROUP CREATECONSUMER t g erin", "XGROUP CREATECONSUMER t nog erin",
	"XGROUP DELCONSUMER t g dan", "XGROUP DELCONSUMER t g nobody", "XGROUP SETID t g 2", "XGROUP SETID t g $ ENTRIESREAD 3",
	"XGROUP SETID t nog 0", "XGROUP SETID nos g 0", "XINFO GROUPS t", "XGROUP DESTROY t h", "XGROUP DESTROY t h", "XGROUP DESTROY nos h",
	"XINFO GROUPS t", "XINFO GROUPS nos", "XINFO CONSUMERS t nog", "XINFO STREAM nos", "XINFO STREAM t FOO", "XINFO HELP", "XINFO FOO t",
	"SET str v", "XADD str 1 a b", "XRANGE str - +", "XLEN str", "XREAD STREAMS str 0", "XGROUP CREATE str g 0", "XINFO STREAM str",
	"XLEN t", "LPUSH t x", "TYPE t", "OBJECT ENCODING t", "COPY t t2", "XLEN t2", "XINFO GROUPS t2",
	"MOVE t2 3", "EXISTS t2", "MOVE t2 x", "MOVE t2 99", "MOVE t 0", "DEL t", "XLEN t",
}

// TestStreamsSideBySide runs streamScript against redis-server and kv and
// wants the same replies, when redis-server is on PATH.
func TestStreamsSideBySide(t *testing.T) { sideBySide(t, streamScript) }

// TestStreamsRESP3SideBySide compares the replies that RESP3 writes as
// maps: XREAD's and XINFO's.
func TestStreamsRESP3SideBySide(t *testing.T) {
	redis := redisClient(t)
	ts := startServer(t, serverOpts{})
	kv := ts.dial(t)
	for _, c := range []*respclient.Client{redis, kv} {
		if v, err := c.Do("HELLO", "3"); err != nil || v.Err() != nil {
			t.Fatalf("HELLO 3: %v %v", v, err)
		}
	}
	for _, line := range []string{
		"XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD r 1-1 c 3", "XREAD STREAMS s r 0 0", "XREAD STREAMS s nos 1-1 0",
		"XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XINFO GROUPS s", "XREADGROUP GROUP g c STREAMS s 0",
		"XPENDING s g", "XINFO STREAM t", "XREAD COUNT 1 STREAMS s 0",
	} {
		args := strings.Fields(line)
		want, err := redis.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		have, err := kv.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		if have.String() != want.String() {
			t.Errorf("%s:\nhave %s\nwant %s", line, have, want)
		}
	}
}

// TestStreamCommands checks the stream commands' replies without
// redis-server.
func TestStreamCommands(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, tc := range [][2]string{
		{"XADD s 1-1 a 1", `"1-1"`},
		{"XADD s 1-* b 2", `"1-2"`},
		{"XADD s 1-1 c 3", "(error) ERR The ID specified in XADD is equal or smaller than the target stream top item"},
		{"XADD s 3 c 3", `"3-0"`},
		{"XLEN s", "(integer) 3"},
		{"XRANGE s (1-1 + COUNT 1", `[["1-2", ["b", "2"]]]`},
		{"XREVRANGE s + - COUNT 2", `[["3-0", ["c", "3"]], ["1-2", ["b", "2"]]]`},
		{"XDEL s 1-2 1-2", "(integer) 1"},
		{"XADD s MAXLEN = 1 4 d 4", `"4-0"`},
		{"XRANGE s - +", `[["4-0", ["d", "4"]]]`},
		{"XINFO STREAM s", `["length", (integer) 1, "radix-tree-keys", (integer) 1, "radix-tree-nodes", (integer) 2, "last-generated-id", "4-0", "max-deleted-entry-id", "1-2", "entries-added", (integer) 4, "recorded-first-entry-id", "4-0", "groups", (integer) 0, "first-entry", ["4-0", ["d", "4"]], "last-entry", ["4-0", ["d", "4"]]]`},
		{"XGROUP CREATE s g 0", `"OK"`},
		{"XREADGROUP GROUP g alice STREAMS s >", `[["s", [["4-0", ["d", "4"]]]]]`},
		{"XREADGROUP GROUP g alice STREAMS s >", "(nil)"},
		{"XDEL s 4", "(integer) 1"},
		{"XREADGROUP GROUP g alice STREAMS s 0", `[["s", [["4-0", (nil)]]]]`},
		{"XAUTOCLAIM s g bob 0 0", `["0-0", [], ["4-0"]]`},
		{"XPENDING s g", `[(integer) 0, (nil), (nil), (nil)]`},
		{"XINFO GROUPS s", `[["name", "g", "consumers", (integer) 1, "pending", (integer) 0, "last-delivered-id", "4-0", "entries-read", (integer) 4, "lag", (integer) 0]]`},
		{"TYPE s", `"stream"`},
		{"OBJECT ENCODING s", `"stream"`},
		{"SCAN 0 TYPE stream", `["0", ["s"]]`},
		{"XTRIM s MAXLEN 0", "(integer) 0"},
		{"EXISTS s", "(integer) 1"},
		{"XREAD STREAMS s 0", "(nil)"},
		{"XREAD BLOCK 10 STREAMS s $", "(nil)"},
		{"RANDOMKEY", `"s"`},
	} {
		if got := do(t, c, strings.Fields(tc[0])...); got != tc[1] {
			t.Errorf("%s: have %s, want %s", tc[0], got, tc[1])
		}
	}
}

// A blocked XREAD is woken by an XADD past its ID; several readers of a
// stream are all served by one XADD; a blocked XREADGROUP is ended by the
// group's destruction, and by the stream's deletion.
func TestStreamBlocking(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "XADD", "s", "1", "a", "1")
	r1 := blockedClient(t, ts, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	r2 := blockedClient(t, ts, "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "other", "s", "0", "1")
	do(t, c, "XADD", "s", "2", "b", "2")
	for _, r := range []*respclient.Client{r1, r2} {
		if got, want := reply(t, r), `[["s", [["2-0", ["b", "2"]]]]]`; got != want {
			t.Errorf("have %s, want %s", got, want)
		}
	}
	do(t, c, "XGROUP", "CREATE", "s", "g", "$")
	g1 := blockedClient(t, ts, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	g2 := blockedClient(t, ts, "XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">")
	do(t, c, "XADD", "s", "3", "c", "3")
	if got, want := reply(t, g1), `[["s", [["3-0", ["c", "3"]]]]]`; got != want {
		t.Errorf("first consumer: have %s, want %s", got, want)
	}
	if got := do(t, c, "XPENDING", "s", "g", "-", "+", "10"); !strings.Contains(got, `"alice"`) {
		t.Errorf("XPENDING after a blocked XREADGROUP was served: %s", got)
	}
	do(t, c, "XGROUP", "DESTROY", "s", "g")
	if got, want := reply(t, g2), "(error) NOGROUP the consumer group this client was blocked on no longer exists"; got != want {
		t.Errorf("second consumer: have %s, want %s", got, want)
	}
	do(t, c, "XGROUP", "CREATE", "s", "g", "$")
	g3 := blockedClient(t, ts, "XREADGROUP", "GROUP", "g", "carol", "BLOCK", "0", "STREAMS", "s", ">")
	do(t, c, "DEL", "s")
	if got, want := reply(t, g3), "(error) UNBLOCKED the stream key no longer exists"; got != want {
		t.Errorf("after DEL: have %s, want %s", got, want)
	}
	admin := ts.dial(t)
	r3 := blockedClient(t, ts, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	do(t, admin, "CLIENT", "UNBLOCK", blockedID(t, do(t, admin, "CLIENT", "LIST")))
	if got := reply(t, r3); got != "(nil)" {
		t.Errorf("CLIENT UNBLOCK: have %s", got)
	}
	do(t, c, "MULTI")
	do(t, c, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	if got := do(t, c, "EXEC"); got != "[(nil)]" {
		t.Errorf("XREAD BLOCK in MULTI: %s", got)
	}
}

// Every stream write is journalled so that a replay, and a rewrite with
// writes in its tail, rebuild the same streams, groups and pending lists
// (XINFO STREAM FULL, consumers' seen times aside).
func TestStreamsReplay(t *testing.T) {
	setup := [][]string{
		{"XADD", "s", "1", "a", "1"}, {"XADD", "s", "*", "b", "2"}, {"XADD", "s", "MAXLEN", "~", "1", "*", "c", "3"},
		{"XADD", "s", "MINID", "0", "*", "d", "4"}, {"XDEL", "s", "1-0"}, {"XADD", "e", "1", "x", "y"}, {"XTRIM", "e", "MAXLEN", "0"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "h", "$", "MKSTREAM"}, {"XGROUP", "CREATE", "n", "g", "$", "MKSTREAM"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}, {"XGROUP", "SETID", "s", "h", "0"},
		{"XREADGROUP", "GROUP", "h", "carol", "STREAMS", "s", ">"}, {"XACK", "s", "h", "0-1"},
		{"XCLAIM", "s", "h", "dan", "0", "0-0", "FORCE", "JUSTID"}, {"XGROUP", "CREATECONSUMER", "s", "g", "erin"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "fay"}, {"XGROUP", "DELCONSUMER", "s", "g", "fay"},
		{"XSETID", "s", "99999999999999-0", "ENTRIESADDED", "10"}, {"XADD", "s", "99999999999999-1", "p", "q"},
		{"XREADGROUP", "GROUP", "g", "pat", "STREAMS", "s", ">"}, {"XDEL", "s", "99999999999999-1"},
		{"COPY", "s", "s2"}, {"MOVE", "s2", "3"},
	}
	replayCheck(t, append(setup, []string{"XADD", "s", "*", "z", "9"}), nil, dumpDBs)
	// The rewrite keeps pat's pending entry, whose stream entry was
	// deleted, and the tail's group writes replay after it.
	replayCheck(t, setup, [][]string{
		{"XADD", "s", "*", "t", "1"}, {"XREADGROUP", "GROUP", "g", "gus", "STREAMS", "s", ">"},
		{"XAUTOCLAIM", "s", "h", "hal", "0", "0"}, {"XGROUP", "DESTROY", "s", "h"},
	}, dumpDBs)
}

// DUMP and RESTORE carry a stream with its groups and pending entries.
func TestStreamDumpRestore(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, cmd := range []string{
		"XADD s 1 a 1", "XADD s 2 b 2", "XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >", "XDEL s 1",
		"XGROUP CREATECONSUMER s g bob", "XADD empty 1 a b", "XDEL empty 1",
	} {
		do(t, c, strings.Fields(cmd)...)
	}
	for _, key := range []string{"s", "empty"} {
		payload, err := c.Do("DUMP", key)
		if err != nil || payload.Null {
			t.Fatalf("DUMP %s: %v %v", key, payload, err)
		}
		if got := do(t, c, "RESTORE", key+"2", "0", payload.Str); got != `"OK"` {
			t.Fatalf("RESTORE: %s", got)
		}
		want := do(t, c, "XINFO", "STREAM", key, "FULL")
		if got := do(t, c, "XINFO", "STREAM", key+"2", "FULL"); maskSeen(got) != maskSeen(want) {
			t.Errorf("restored:\n%s\nwant\n%s", got, want)
		}
	}
}

// maskSeen blanks the consumers' seen times in a rendered XINFO reply.
func maskSeen(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, `"seen-time", (integer) `)
		if i < 0 {
			return b.String() + s
		}
		j := i + len(`"seen-time", (integer) `)
		b.WriteString(s[:j])
		s = s[j:]
		for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
}

// maskSeenTime blanks the consumers' seen times in an XINFO STREAM FULL
// reply: a replay sets them anew.
func maskSeenTime(v *respclient.Value) {
	for i := range v.Array {
		if i > 0 && v.Array[i-1].Str == "seen-time" {
			v.Array[i].Int = 0
		}
		maskSeenTime(&v.Array[i])
	}
}

// FuzzStreamArgs feeds XADD's and XTRIM's option parser and the stream
// ID parser: an accepted command leaves no reply, a refused one an error;
// an ID read back from its text is the same ID.
func FuzzStreamArgs(f *testing.F) {
	fuzzArgs(f, []string{
		"XADD s * a b", "XADD s MAXLEN ~ 10 LIMIT 5 1-* a b", "XADD s NOMKSTREAM MINID = 3-4 5 a b",
		"XADD s MAXLEN 1 MINID 2 * a b", "XADD s LIMIT 1 * a b", "XTRIM s MAXLEN -1", "XTRIM s MINID ~ 18446744073709551615-18446744073709551615",
		"XADD s +5 a b", "XADD s 007-01 a b", "XADD s 18446744073709551616 a b", "XADD s -0 a b", "XTRIM s LIMIT 3",
	}, 2, func(t *testing.T, line string, args [][]byte, c *conn) {
		for _, xadd := range []bool{true, false} {
			c.w.Discard()
			a, at, ok := c.parseTrim(args, xadd, 100)
			checkParsed(t, c, line, ok)
			if ok && (at < 2 || at > len(args) || a.Trim.MaxLen < 0 || a.Trim.Limit < 0) {
				t.Fatalf("%q: %+v at %d", line, a, at)
			}
		}
		for _, w := range args {
			for _, strict := range []bool{true, false} {
				id, ok := store.ParseStreamID(w, 0, strict)
				if !ok {
					continue
				}
				back, ok := store.ParseStreamID(id.Bytes(), 0, true)
				if !ok || back != id {
					t.Fatalf("%q read as %v, which reads back as %v", w, id, back)
				}
			}
		}
	})
}
