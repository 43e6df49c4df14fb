package server

import (
	"errors"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// eventCase is a script of commands, one a line, and the keyspace events
// it makes under the classes flags, as redis-server 7.0 sends them:
// "channel message", in order. A line starting with "?" has a reply that
// may differ between servers (SPOP's member).
type eventCase struct {
	name, flags string
	script      []string
	want        []string
}

var eventCases = []eventCase{
	{name: "generic", flags: "Eg", script: []string{
		"SET foo bar", "EXPIRE foo 100", "PEXPIRE foo 200000", "PERSIST foo", "PERSIST foo", "EXPIRE nokey 10",
		"EXPIRE foo 100 NX", "EXPIRE foo 50 GT",
		"RENAME foo foo2", "RENAME foo2 foo2", "RENAMENX foo2 foo3", "SET other x", "RENAMENX foo3 other",
		"COPY foo3 foo4", "COPY foo3 foo4", "COPY foo3 foo4 REPLACE", "COPY foo3 foo5 DB 5",
		"DEL foo3 nokey foo4", "UNLINK other", "SET t v", "EXPIREAT t 1", "SET d v", "GETDEL d", "GETDEL d",
		"SET g v", "GETEX g EX 100", "GETEX g PERSIST", "GETEX g PERSIST", "GETEX g", "GETEX g PXAT 1",
		"SELECT 3", "SET k v", "DEL k", "FLUSHDB", "SWAPDB 0 3",
	}, want: []string{
		"__keyevent@0__:expire foo", "__keyevent@0__:expire foo", "__keyevent@0__:persist foo",
		"__keyevent@0__:expire foo", "__keyevent@0__:rename_from foo", "__keyevent@0__:rename_to foo2",
		"__keyevent@0__:rename_from foo2", "__keyevent@0__:rename_to foo3", "__keyevent@0__:copy_to foo4",
		"__keyevent@0__:copy_to foo4", "__keyevent@5__:copy_to foo5", "__keyevent@0__:del foo3", "__keyevent@0__:del foo4",
		"__keyevent@0__:del other", "__keyevent@0__:del t", "__keyevent@0__:del d", "__keyevent@0__:expire g",
		"__keyevent@0__:persist g", "__keyevent@0__:del g", "__keyevent@3__:del k",
	}},
	{name: "string", flags: "E$", script: []string{
		"SET s 1", "SET s 2 NX", "SET s 3 XX", "SET s 4 EX 100", "SET s 5 GET", "SETNX s 5", "SETNX s2 5",
		"SETEX s3 100 v", "PSETEX s4 100000 v", "GETSET s 9", "MSET a 1 b 2 a 3", "MSETNX a 1 c 2", "MSETNX c 1 d 2",
		"INCR n", "DECR n", "INCRBY n 5", "DECRBY n 2", "INCRBY s x", "INCRBYFLOAT f 1.5", "APPEND ap x", "APPEND ap y",
		"SETRANGE sr 2 x", "SETRANGE sr 0 y", "SETBIT bits 7 1", "SETBIT bits 7 1", "SETBIT bits 7 0", "SETBIT bits 100 0",
		"LPUSH l a", "SET l x", "APPEND l y",
	}, want: []string{
		"__keyevent@0__:set s", "__keyevent@0__:set s", "__keyevent@0__:set s", "__keyevent@0__:set s",
		"__keyevent@0__:set s2", "__keyevent@0__:set s3", "__keyevent@0__:set s4", "__keyevent@0__:set s",
		"__keyevent@0__:set a", "__keyevent@0__:set b", "__keyevent@0__:set a", "__keyevent@0__:set c",
		"__keyevent@0__:set d", "__keyevent@0__:incrby n", "__keyevent@0__:incrby n", "__keyevent@0__:incrby n",
		"__keyevent@0__:incrby n", "__keyevent@0__:incrbyfloat f", "__keyevent@0__:append ap", "__keyevent@0__:append ap",
		"__keyevent@0__:setrange sr", "__keyevent@0__:setrange sr", "__keyevent@0__:setbit bits",
		"__keyevent@0__:setbit bits", "__keyevent@0__:setbit bits", "__keyevent@0__:set l", "__keyevent@0__:append l",
	}},
	{name: "string with expiry", flags: "E$g", script: []string{
		"SET k v EX 100", "SET k v KEEPTTL", "SET k w PX 100000 GET", "SETEX k 100 v", "PSETEX k 100000 v", "SET k v",
	}, want: []string{
		"__keyevent@0__:set k", "__keyevent@0__:expire k", "__keyevent@0__:set k", "__keyevent@0__:set k",
		"__keyevent@0__:expire k", "__keyevent@0__:set k", "__keyevent@0__:expire k", "__keyevent@0__:set k",
		"__keyevent@0__:expire k", "__keyevent@0__:set k",
	}},
	{name: "list", flags: "Elg", script: []string{
		"RPUSH l a b c", "LPUSH l z", "LPUSHX nol a", "RPUSHX l d", "LINSERT l BEFORE a x", "LINSERT l BEFORE nope y",
		"LSET l 0 q", "LREM l 0 nope", "LREM l 1 a", "LTRIM l 0 -1", "LTRIM nolist 0 1", "LPOP l", "RPOP l 2", "LPOP l 0",
		"LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2", "LMPOP 1 l2 LEFT COUNT 5", "RPUSH l3 a b", "LTRIM l3 5 10",
		"RPUSH bl a", "BLPOP bl 0", "RPUSH bm a", "BLMOVE bm bm2 RIGHT LEFT 0", "BRPOPLPUSH bm2 bm 0", "BLMPOP 0 1 bm RIGHT",
		"RPUSH rot a b", "LMOVE rot rot LEFT RIGHT",
		"RPUSH nums 3 1 2", "SORT nums STORE sorted", "SORT nosuch STORE sorted", "SORT nosuch STORE sorted",
	}, want: []string{
		"__keyevent@0__:rpush l", "__keyevent@0__:lpush l", "__keyevent@0__:rpush l", "__keyevent@0__:linsert l",
		"__keyevent@0__:lset l", "__keyevent@0__:lrem l", "__keyevent@0__:ltrim l", "__keyevent@0__:lpop l",
		"__keyevent@0__:rpop l", "__keyevent@0__:rpush l2", "__keyevent@0__:lpop l", "__keyevent@0__:lpush l2",
		"__keyevent@0__:rpop l", "__keyevent@0__:del l", "__keyevent@0__:lpop l2", "__keyevent@0__:del l2",
		"__keyevent@0__:rpush l3", "__keyevent@0__:ltrim l3", "__keyevent@0__:del l3", "__keyevent@0__:rpush bl",
		"__keyevent@0__:lpop bl", "__keyevent@0__:del bl", "__keyevent@0__:rpush bm", "__keyevent@0__:lpush bm2",
		"__keyevent@0__:rpop bm", "__keyevent@0__:del bm", "__keyevent@0__:lpush bm", "__keyevent@0__:rpop bm2",
		"__keyevent@0__:del bm2", "__keyevent@0__:rpop bm", "__keyevent@0__:del bm", "__keyevent@0__:rpush rot",
		"__keyevent@0__:rpush rot", "__keyevent@0__:lpop rot", "__keyevent@0__:rpush nums",
		"__keyevent@0__:sortstore sorted", "__keyevent@0__:del sorted",
	}},
	{name: "set", flags: "Esg", script: []string{
		"SADD s a b", "SADD s a", "SREM s x", "SREM s a", "SMOVE s s2 b", "SADD s a b c", "SMOVE s s2 a", "SADD s2 c",
		"SMOVE s s2 c", "SMOVE s s b", "SMOVE s s2 nope", "SPOP s", "SADD s x y z", "SPOP s 0", "?SPOP s 2",
		"SINTERSTORE dst s s2", "SUNIONSTORE dst s s2", "SDIFFSTORE dst nosuch", "SINTERSTORE dst s2 s2",
		"SINTERSTORE dst nosuch s2", "?SPOP s2 10",
	}, want: []string{
		"__keyevent@0__:sadd s", "__keyevent@0__:srem s", "__keyevent@0__:srem s", "__keyevent@0__:del s",
		"__keyevent@0__:sadd s2", "__keyevent@0__:sadd s", "__keyevent@0__:srem s", "__keyevent@0__:sadd s2",
		"__keyevent@0__:sadd s2", "__keyevent@0__:srem s", "__keyevent@0__:spop s", "__keyevent@0__:del s",
		"__keyevent@0__:sadd s", "__keyevent@0__:spop s", "__keyevent@0__:sunionstore dst", "__keyevent@0__:del dst",
		"__keyevent@0__:sinterstore dst", "__keyevent@0__:del dst", "__keyevent@0__:spop s2", "__keyevent@0__:del s2",
	}},
	{name: "hash", flags: "Ehg", script: []string{
		"HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 5", "HSETNX h d 4", "HINCRBY h n 1",
		"HINCRBYFLOAT h f 1.5", "HDEL h zz", "HDEL h a b", "HDEL h c d n f",
	}, want: []string{
		"__keyevent@0__:hset h", "__keyevent@0__:hset h", "__keyevent@0__:hset h", "__keyevent@0__:hset h",
		"__keyevent@0__:hincrby h", "__keyevent@0__:hincrbyfloat h", "__keyevent@0__:hdel h", "__keyevent@0__:hdel h",
		"__keyevent@0__:del h",
	}},
	{name: "zset", flags: "Ezg", script: []string{
		"ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z XX 5 nope", "ZADD z CH 3 a", "ZADD z INCR 1 a", "ZADD z INCR 0 a",
		"ZADD z NX INCR 1 a", "ZINCRBY z 2 b", "ZREM z nope", "ZREM z a", "ZADD z 1 x 2 y 3 w",
		"ZREMRANGEBYSCORE z 100 200", "ZREMRANGEBYSCORE z 1 1", "ZREMRANGEBYRANK z 0 0", "ZADD lz 0 a 0 b 0 c",
		"ZREMRANGEBYLEX lz [a [b", "ZREMRANGEBYLEX lz - +", "ZPOPMIN z", "ZPOPMAX z 0", "ZPOPMAX z 10",
		"ZADD z1 1 a 2 b", "ZADD z2 2 b 3 c", "ZUNIONSTORE u 2 z1 z2", "ZINTERSTORE i 2 z1 z2", "ZDIFFSTORE d 2 z1 z1",
		"ZDIFFSTORE u 2 z1 z1", "ZRANGESTORE r z1 0 -1", "ZRANGESTORE r z1 5 10", "ZMPOP 1 z1 MIN COUNT 5",
		"BZPOPMAX z2 0", "BZMPOP 0 1 i MAX", "BZPOPMIN z2 0",
	}, want: []string{
		"__keyevent@0__:zadd z", "__keyevent@0__:zadd z", "__keyevent@0__:zincr z", "__keyevent@0__:zincr z",
		"__keyevent@0__:zrem z", "__keyevent@0__:zadd z", "__keyevent@0__:zremrangebyscore z",
		"__keyevent@0__:zremrangebyrank z", "__keyevent@0__:zadd lz", "__keyevent@0__:zremrangebylex lz",
		"__keyevent@0__:zremrangebylex lz", "__keyevent@0__:del lz", "__keyevent@0__:zpopmin z",
		"__keyevent@0__:zpopmax z", "__keyevent@0__:del z", "__keyevent@0__:zadd z1", "__keyevent@0__:zadd z2",
		"__keyevent@0__:zunionstore u", "__keyevent@0__:zinterstore i", "__keyevent@0__:del u",
		"__keyevent@0__:zrangestore r", "__keyevent@0__:del r", "__keyevent@0__:zpopmin z1", "__keyevent@0__:del z1",
		"__keyevent@0__:zpopmax z2", "__keyevent@0__:zpopmax i", "__keyevent@0__:del i", "__keyevent@0__:zpopmin z2",
		"__keyevent@0__:del z2",
	}},
	{name: "new", flags: "En", script: []string{
		"SET foo bar", "SET foo baz", "LPUSH l a", "LPUSH l b", "SADD s a", "HSET h a 1", "ZADD z 1 a", "ZADD z2 XX 1 a",
		"RENAME foo foo2", "COPY foo2 foo3", "SETRANGE sr 1 x", "INCR n", "APPEND ap x", "SETBIT b 1 1",
		"INCRBYFLOAT f 1", "HINCRBY h2 a 1", "HINCRBYFLOAT h3 a 1", "HSETNX h4 a 1", "MSET m1 1 m2 2 m1 3",
		"SMOVE s s2 a", "LMOVE l l2 LEFT LEFT", "SUNIONSTORE u s2", "SUNIONSTORE u s2", "SORT l2 STORE st",
		"ZUNIONSTORE zu 1 z", "ZRANGESTORE zr z 0 -1", "COPY zr zu REPLACE", "GETSET gs v", "SETNX nx v",
	}, want: []string{
		"__keyevent@0__:new foo", "__keyevent@0__:new l", "__keyevent@0__:new s", "__keyevent@0__:new h",
		"__keyevent@0__:new z", "__keyevent@0__:new foo2", "__keyevent@0__:new foo3", "__keyevent@0__:new sr",
		"__keyevent@0__:new n", "__keyevent@0__:new ap", "__keyevent@0__:new b", "__keyevent@0__:new f",
		"__keyevent@0__:new h2", "__keyevent@0__:new h3", "__keyevent@0__:new h4", "__keyevent@0__:new m1",
		"__keyevent@0__:new m2", "__keyevent@0__:new s2", "__keyevent@0__:new l2", "__keyevent@0__:new u",
		"__keyevent@0__:new zu", "__keyevent@0__:new zr", "__keyevent@0__:new zu", "__keyevent@0__:new gs",
		"__keyevent@0__:new nx",
	}},
	{name: "expired", flags: "Exgm", script: []string{
		"SET k v PXAT 1", "GET k", "GET k", "SET e v PXAT 1", "GET e", "SET w v PXAT 1", "LPUSH w a",
		"SET m v PXAT 1", "MSET m 1", "SET r v PXAT 1", "RENAME r r2",
	}, want: []string{
		"__keyevent@0__:expire k", "__keyevent@0__:expired k", "__keyevent@0__:keymiss k", "__keyevent@0__:keymiss k",
		"__keyevent@0__:expire e", "__keyevent@0__:expired e", "__keyevent@0__:keymiss e", "__keyevent@0__:expire w",
		"__keyevent@0__:expired w", "__keyevent@0__:expire m", "__keyevent@0__:expired m", "__keyevent@0__:expire r",
		"__keyevent@0__:expired r",
	}},
	{name: "keymiss", flags: "Em", script: []string{
		"GET nokey", "SET a 1", "GET a", "MGET a nokey b", "GETEX nokey", "GETEX nokey EX 10", "GETDEL nokey",
	}, want: []string{
		"__keyevent@0__:keymiss nokey", "__keyevent@0__:keymiss nokey", "__keyevent@0__:keymiss b",
		"__keyevent@0__:keymiss nokey", "__keyevent@0__:keymiss nokey", "__keyevent@0__:keymiss nokey",
	}},
	{name: "stream", flags: "Etn", script: []string{
		"XGROUP CREATE st g $ MKSTREAM", "XGROUP CREATECONSUMER st g Bob", "XADD st 1-1 f A",
		"XREADGROUP GROUP g Alice STREAMS st >", "XCLAIM st g Mike 0 1-1 FORCE", "XGROUP DELCONSUMER st g Lee",
		"XAUTOCLAIM st g Bob 0 1-1", "XGROUP DELCONSUMER st g Bob", "XADD st 2-1 f B", "XADD st MAXLEN 1 3-1 f C",
		"XTRIM st MAXLEN 5", "XTRIM st MAXLEN 0", "XDEL st 9-9", "XADD st 4-1 f D", "XDEL st 4-1",
		"XSETID st 5-0", "XGROUP SETID st g 0", "XGROUP DESTROY st g", "XGROUP DESTROY st g",
		"XADD st NOMKSTREAM 6-1 f E", "XADD nost NOMKSTREAM 1-1 f E",
	}, want: []string{
		"__keyevent@0__:new st", "__keyevent@0__:xgroup-create st", "__keyevent@0__:xgroup-createconsumer st",
		"__keyevent@0__:xadd st", "__keyevent@0__:xgroup-createconsumer st", "__keyevent@0__:xgroup-createconsumer st",
		"__keyevent@0__:xgroup-delconsumer st", "__keyevent@0__:xadd st", "__keyevent@0__:xadd st",
		"__keyevent@0__:xtrim st", "__keyevent@0__:xtrim st", "__keyevent@0__:xadd st", "__keyevent@0__:xdel st",
		"__keyevent@0__:xsetid st", "__keyevent@0__:xgroup-setid st", "__keyevent@0__:xgroup-destroy st",
		"__keyevent@0__:xadd st",
	}},
	{name: "move", flags: "KEgn", script: []string{
		"SET k v", "MOVE k 4", "MOVE k 4", "SELECT 4", "SET k2 v", "SELECT 0", "SET k2 v", "MOVE k2 4",
	}, want: []string{
		"__keyspace@0__:k new", "__keyevent@0__:new k", "__keyspace@4__:k new", "__keyevent@4__:new k",
		"__keyspace@0__:k move_from", "__keyevent@0__:move_from k", "__keyspace@4__:k move_to", "__keyevent@4__:move_to k",
		"__keyspace@4__:k2 new", "__keyevent@4__:new k2", "__keyspace@0__:k2 new", "__keyevent@0__:new k2",
	}},
	{name: "every class on both kinds of channel", flags: "KEAn", script: []string{
		"SELECT 9", "SET k v EX 100", "MSET a 1 b 2", "SADD s x", "SMOVE s s2 x", "RPUSH l x", "LMOVE l l2 LEFT RIGHT",
		"MULTI", "HSET h f v", "ZADD z 1 m", "DEL h z", "EXEC",
	}, want: []string{
		"__keyspace@9__:k new", "__keyevent@9__:new k", "__keyspace@9__:k set", "__keyevent@9__:set k",
		"__keyspace@9__:k expire", "__keyevent@9__:expire k", "__keyspace@9__:a new", "__keyevent@9__:new a",
		"__keyspace@9__:a set", "__keyevent@9__:set a", "__keyspace@9__:b new", "__keyevent@9__:new b",
		"__keyspace@9__:b set", "__keyevent@9__:set b", "__keyspace@9__:s new", "__keyevent@9__:new s",
		"__keyspace@9__:s sadd", "__keyevent@9__:sadd s", "__keyspace@9__:s srem", "__keyevent@9__:srem s",
		"__keyspace@9__:s del", "__keyevent@9__:del s", "__keyspace@9__:s2 new", "__keyevent@9__:new s2",
		"__keyspace@9__:s2 sadd", "__keyevent@9__:sadd s2", "__keyspace@9__:l new", "__keyevent@9__:new l",
		"__keyspace@9__:l rpush", "__keyevent@9__:rpush l", "__keyspace@9__:l2 new", "__keyevent@9__:new l2",
		"__keyspace@9__:l2 rpush", "__keyevent@9__:rpush l2", "__keyspace@9__:l lpop", "__keyevent@9__:lpop l",
		"__keyspace@9__:l del", "__keyevent@9__:del l", "__keyspace@9__:h new", "__keyevent@9__:new h",
		"__keyspace@9__:h hset", "__keyevent@9__:hset h", "__keyspace@9__:z new", "__keyevent@9__:new z",
		"__keyspace@9__:z zadd", "__keyevent@9__:zadd z", "__keyspace@9__:h del", "__keyevent@9__:del h",
		"__keyspace@9__:z del", "__keyevent@9__:del z",
	}},
}

// eventRun is what a script did: its replies and the events a subscriber
// got.
type eventRun struct {
	replies []string
	events  []string
}

// runEvents runs tc on a server, sending the script on cmd while sub,
// subscribed to every channel, collects the events, until a PUBLISH sent
// after the script comes back: a server that published the events before
// its replies, as Redis does, has them all out by then.
func runEvents(t *testing.T, cmd, sub *respclient.Client, tc eventCase) eventRun {
	t.Helper()
	for _, c := range []*respclient.Client{cmd, sub} {
		if err := c.Conn().SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if have := do(t, sub, "PSUBSCRIBE", "*"); have != `["psubscribe", "*", (integer) 1]` {
		t.Fatalf("PSUBSCRIBE: %s", have)
	}
	do(t, cmd, "FLUSHALL")
	if have := do(t, cmd, "CONFIG", "SET", "notify-keyspace-events", tc.flags); have != `"OK"` {
		t.Fatalf("CONFIG SET notify-keyspace-events %s: %s", tc.flags, have)
	}
	var run eventRun
	for _, line := range tc.script {
		random := strings.HasPrefix(line, "?")
		have := do(t, cmd, strings.Fields(strings.TrimPrefix(line, "?"))...)
		if random {
			have = "?"
		}
		run.replies = append(run.replies, line+" -> "+have)
	}
	do(t, cmd, "PUBLISH", "end", "x")
	for {
		v, err := sub.Receive()
		if err != nil {
			t.Fatalf("after %d events: %v", len(run.events), err)
		}
		if len(v.Array) != 4 || v.Array[0].Str != "pmessage" {
			t.Fatalf("the subscriber got %s", v)
		}
		if v.Array[2].Str == "end" {
			return run
		}
		run.events = append(run.events, v.Array[2].Str+" "+v.Array[3].Str)
	}
}

func wantEvents(t *testing.T, server string, have, want []string) {
	t.Helper()
	if !slices.Equal(have, want) {
		t.Errorf("%s's events:\nhave %q\nwant %q", server, have, want)
	}
}

// TestKeyspaceEvents runs every case against kv and wants its events.
func TestKeyspaceEvents(t *testing.T) {
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	for _, tc := range eventCases {
		t.Run(tc.name, func(t *testing.T) {
			run := runEvents(t, ts.dial(t), ts.dial(t), tc)
			wantEvents(t, "kv", run.events, tc.want)
		})
	}
}

// TestKeyspaceEventsSideBySide runs every case against redis-server too,
// when it is on PATH: its events are the cases' (so that they are
// Redis's, not what kv was thought to do), and kv's replies are its.
func TestKeyspaceEventsSideBySide(t *testing.T) {
	redis := startRedis(t)
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	dialRedis := func() *respclient.Client { return dialUnix(t, redis) }
	for _, tc := range eventCases {
		t.Run(tc.name, func(t *testing.T) {
			want := runEvents(t, dialRedis(), dialRedis(), tc)
			wantEvents(t, "redis-server", want.events, tc.want)
			have := runEvents(t, ts.dial(t), ts.dial(t), tc)
			wantEvents(t, "kv", have.events, want.events)
			for i := range want.replies {
				if have.replies[i] != want.replies[i] {
					t.Errorf("reply:\nhave %s\nwant %s", have.replies[i], want.replies[i])
				}
			}
		})
	}
}

// The classes read back as Redis writes them, the letters Redis's test
// suite sets included, and a letter that is none is refused.
func TestParseKeyspaceEvents(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""}, {"KA", "AK"}, {"EA", "AE"}, {"gKE", "gKE"}, {"$lshzxeKE", "$lshzxeKE"},
		{"KEA", "AKE"}, {"AKEmn", "AKEm"}, // Redis writes no n after A, though it is set
		{"Egn", "gnE"}, {"Em", "Em"}, {"x", "x"}, {"Kg$lshzxetd", "AK"},
		{"mEKndtexzhsl$g", "AKEm"},
	} {
		ev, err := ParseKeyspaceEvents(tc.in)
		if err != nil || ev.String() != tc.out {
			t.Errorf("ParseKeyspaceEvents(%q) = %q, %v; want %q", tc.in, ev, err, tc.out)
		}
	}
	if ev, _ := ParseKeyspaceEvents("AKEmn"); ev&evNew == 0 {
		t.Error("AKEmn lost its n")
	}
	for _, bad := range []string{"Q", "KEa", "K E", "ka"} {
		if _, err := ParseKeyspaceEvents(bad); !errors.Is(err, ErrBadConfig) || !errors.Is(err, supervisor.ErrBadConfig) {
			t.Errorf("ParseKeyspaceEvents(%q) = %v; want ErrBadConfig, a supervisor.ErrBadConfig", bad, err)
		}
	}
}

// CONFIG SET and GET of notify-keyspace-events answer as Redis 7.0's, an
// error changes nothing, and nothing is published until classes and a
// kind of channel are set.
func TestKeyspaceEventsConfig(t *testing.T) {
	script := [][]string{
		{"CONFIG", "GET", "notify-keyspace-events"},
		{"CONFIG", "SET", "notify-keyspace-events", "KA"},
		{"CONFIG", "GET", "notify-keyspace-events"},
		{"CONFIG", "SET", "notify-keyspace-events", "Q"},
		{"CONFIG", "SET", "notify-keyspace-events", "gE", "hash-max-listpack-entries", "x"},
		{"CONFIG", "GET", "notify-keyspace-events"},
		{"CONFIG", "SET", "notify-keyspace-events", "KEAmn"},
		{"CONFIG", "GET", "notify-*"},
		{"CONFIG", "SET", "NOTIFY-KEYSPACE-EVENTS", "$lshzxeKE"},
		{"CONFIG", "GET", "notify-keyspace-events"},
		{"CONFIG", "SET", "notify-keyspace-events", ""},
		{"CONFIG", "GET", "notify-keyspace-events"},
	}
	run := func(c *respclient.Client) []string {
		var out []string
		for _, cmd := range script {
			out = append(out, do(t, c, cmd...))
		}
		return out
	}
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	have := run(ts.dial(t))
	want := []string{
		`["notify-keyspace-events", ""]`, `"OK"`, `["notify-keyspace-events", "AK"]`,
		`(error) ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.`,
		`(error) ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument couldn't be parsed into an integer`,
		`["notify-keyspace-events", "AK"]`, `"OK"`, `["notify-keyspace-events", "AKEm"]`,
		`"OK"`, `["notify-keyspace-events", "$lshzxeKE"]`, `"OK"`, `["notify-keyspace-events", ""]`,
	}
	if !slices.Equal(have, want) {
		t.Errorf("kv:\nhave %q\nwant %q", have, want)
	}

	// Classes without a kind of channel, or a kind of channel without a
	// class, publish nothing, and nor does the default.
	for _, flags := range []string{"", "A", "KE", "Kl"} {
		run := runEvents(t, ts.dial(t), ts.dial(t), eventCase{flags: flags, script: []string{"SET k v", "DEL k"}})
		wantEvents(t, "kv with "+strconv.Quote(flags), run.events, nil)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH: CONFIG SET and GET not compared with it")
	}
	if want := run(dialUnix(t, startRedis(t))); !slices.Equal(have, want) {
		t.Errorf("kv and redis-server differ:\nkv    %q\nredis %q", have, want)
	}
}

// A server started with KeyspaceEvents set (kv's -notify-keyspace-events)
// publishes them from the start, and CONFIG GET says so.
func TestKeyspaceEventsFromConfig(t *testing.T) {
	ev, err := ParseKeyspaceEvents("El")
	if err != nil {
		t.Fatal(err)
	}
	ts := startPubSub(t, serverOpts{config: func(cfg *Config) { cfg.KeyspaceEvents = ev }}, pubsub.Config{})
	c, sub := ts.dial(t), ts.dial(t)
	if have := do(t, c, "CONFIG", "GET", "notify-keyspace-events"); have != `["notify-keyspace-events", "lE"]` {
		t.Fatalf("CONFIG GET: %s", have)
	}
	do(t, sub, "SUBSCRIBE", "__keyevent@0__:rpush")
	do(t, c, "RPUSH", "l", "a")
	sub.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	if msg, err := sub.Receive(); err != nil || msg.String() != `["message", "__keyevent@0__:rpush", "l"]` {
		t.Fatalf("event: %v, %v", msg, err)
	}
}

// Keys that expire are told of, found by a read (which then misses them)
// or by the active expiry's sweep; the store's clock is moved, not
// waited for.
func TestKeyspaceEventsExpired(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixMilli())
	ts := startPubSub(t, serverOpts{config: func(cfg *Config) { cfg.Store.SetClock(now.Load) }}, pubsub.Config{})
	c, sub := ts.dial(t), ts.dial(t)
	do(t, c, "CONFIG", "SET", "notify-keyspace-events", "Exm")
	do(t, sub, "PSUBSCRIBE", "__keyevent@*")
	do(t, c, "SET", "lazy", "v", "PX", "100")
	do(t, c, "SET", "swept", "v", "PX", "100")
	now.Add(100)
	do(t, c, "GET", "lazy")
	if n, err := ts.handler.Sweep(time.Second); n != 1 || err != nil {
		t.Fatalf("Sweep = %d, %v; want the other key", n, err)
	}
	sub.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	for _, want := range []string{"expired lazy", "keymiss lazy", "expired swept"} {
		msg, err := sub.Receive()
		if err != nil || len(msg.Array) != 4 || strings.TrimPrefix(msg.Array[2].Str, "__keyevent@0__:")+" "+msg.Array[3].Str != want {
			t.Fatalf("event: %v, %v; want %s", msg, err, want)
		}
	}
}

// A client blocked on a list and served by another client's push gets
// its pop told of after the push, as Redis tells it, by redis-server too
// when it is on PATH.
func TestKeyspaceEventsOfServedPops(t *testing.T) {
	script := func(t *testing.T, dial func() *respclient.Client) []string {
		c, sub, blocked := dial(), dial(), dial()
		blocked.Conn().SetDeadline(time.Now().Add(seamtest.Wait))
		do(t, sub, "PSUBSCRIBE", "*")
		do(t, c, "CONFIG", "SET", "notify-keyspace-events", "Elzg")
		// Each blocks, then a write makes its key servable.
		for _, step := range [][2][]string{
			{{"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, {"RPUSH", "src", "a", "b"}},
			{{"BZPOPMIN", "z", "0"}, {"ZADD", "z", "1", "m"}},
		} {
			blocked.Send(step[0]...)
			if err := blocked.Flush(); err != nil {
				t.Fatal(err)
			}
			seamtest.Eventually(t, "the client to block", func() bool {
				return strings.Contains(do(t, c, "INFO", "clients"), "blocked_clients:1")
			})
			do(t, c, step[1]...)
			if _, err := blocked.Receive(); err != nil {
				t.Fatal(err)
			}
		}
		do(t, c, "PUBLISH", "end", "x")
		var events []string
		sub.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
		for {
			msg, err := sub.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if msg.Array[2].Str == "end" {
				return events
			}
			events = append(events, msg.Array[2].Str+" "+msg.Array[3].Str)
		}
	}
	want := []string{
		"__keyevent@0__:rpush src", "__keyevent@0__:rpush dst", "__keyevent@0__:lpop src",
		"__keyevent@0__:zadd z", "__keyevent@0__:zpopmin z", "__keyevent@0__:del z",
	}
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	wantEvents(t, "kv", script(t, func() *respclient.Client { return ts.dial(t) }), want)
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH: not compared with it")
	}
	redis := startRedis(t)
	wantEvents(t, "redis-server", script(t, func() *respclient.Client { return dialUnix(t, redis) }), want)
}

// Each client's events reach a subscriber in the order of its writes, and
// before what it publishes after them, while other clients write at the
// same time: a write hands its events to the hub before its reply.
func TestKeyspaceEventsOrderPerClient(t *testing.T) {
	const clients, writes = 4, 300
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	sub := ts.dial(t)
	do(t, sub, "PSUBSCRIBE", "*")
	do(t, ts.dial(t), "CONFIG", "SET", "notify-keyspace-events", "E$")
	errs := make(chan error, clients)
	for i := range clients {
		c := ts.dial(t)
		go func() {
			k, mark := "k"+strconv.Itoa(i), "mark"+strconv.Itoa(i)
			for n := range writes {
				c.Send("INCR", k)
				c.Send("PUBLISH", mark, strconv.Itoa(n))
			}
			err := c.Flush()
			for range 2 * writes {
				if err != nil {
					break
				}
				_, err = c.Receive()
			}
			errs <- err
		}()
	}
	incrs := make(map[string]int) // incrby events seen, by key
	marks := 0
	sub.Conn().SetReadDeadline(time.Now().Add(time.Minute))
	for marks < clients*writes {
		msg, err := sub.Receive()
		if err != nil {
			t.Fatalf("after %d marks: %v", marks, err)
		}
		ch, payload := msg.Array[2].Str, msg.Array[3].Str
		if key, ok := strings.CutPrefix(ch, "__keyevent@0__:incrby"); ok && key == "" {
			incrs[payload]++
			continue
		}
		i, ok := strings.CutPrefix(ch, "mark")
		if !ok {
			t.Fatalf("unexpected message %s", msg)
		}
		marks++
		if n, _ := strconv.Atoi(payload); incrs["k"+i] != n+1 {
			t.Fatalf("client %s's mark %d came after %d of its INCRs' events; want %d", i, n, incrs["k"+i], n+1)
		}
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// A subscriber that does not read its keyspace events is cut at its
// output limit, as for PUBLISH, and the writer is not held up by it.
func TestKeyspaceEventsSlowSubscriberCut(t *testing.T) {
	limits := pubsub.Limits{Hard: 64 << 10, Soft: -1}
	ts := startPubSub(t, serverOpts{}, pubsub.Config{Limits: limits})
	slow := ts.dial(t)
	do(t, slow, "PSUBSCRIBE", "*")
	c := ts.dial(t)
	do(t, c, "CONFIG", "SET", "notify-keyspace-events", "KE$")
	key := strings.Repeat("k", 16<<10) // each event carries it twice
	for n := 0; ts.handler.cfg.PubSub.Cuts() == 0; n++ {
		if n > 100000 {
			t.Fatal("the subscriber was never cut")
		}
		do(t, c, "SET", key, "v")
	}
	if have := do(t, c, "INFO", "stats"); !strings.Contains(have, "client_output_buffer_limit_disconnections:1") {
		t.Fatalf("INFO stats does not count the cut:\n%s", have)
	}
}

// FuzzParseKeyspaceEvents: a string of Redis's letters parses, anything
// else is refused with ErrBadConfig; what parses writes back (String) as
// letters that parse to the same classes, but for n, which Redis's A
// leaves out.
func FuzzParseKeyspaceEvents(f *testing.F) {
	for _, s := range []string{"", "KEA", "Ex", "gKE", "$lshzxeKE", "AKEmn", "KEtn", "Q", "K E", "AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ParseKeyspaceEvents(s)
		valid := !strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("KEg$lshzxetmdnA", r) })
		if valid != (err == nil) {
			t.Fatalf("ParseKeyspaceEvents(%q): %v; the letters are valid: %v", s, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("ParseKeyspaceEvents(%q): %v, not an ErrBadConfig", s, err)
			}
			return
		}
		back, err := ParseKeyspaceEvents(ev.String())
		if err != nil {
			t.Fatalf("%q wrote back %q, which does not parse: %v", s, ev.String(), err)
		}
		want := ev
		if ev&evAll == evAll {
			want &^= evNew
		}
		if back != want {
			t.Fatalf("%q wrote back %q: classes %b, want %b", s, ev.String(), back, want)
		}
	})
}
