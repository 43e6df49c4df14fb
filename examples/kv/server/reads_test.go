package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/pubsub"
)

// readsScript looks keys up with every command that reads one, on a key
// that holds the command's type, on a missing key and on a key of another
// type, beside writes that look keys up too: Redis counts a hit or a miss
// in keyspace_hits and keyspace_misses, and sends "keymiss", for a read's
// lookups only (lookupKeyRead), not a write's (lookupKeyWrite), and OBJECT
// counts without sending. Lines are compared as sameReply has it: "?"
// marks a reply that may differ between the servers (a random member,
// DUMP's payload, an idle time), "~" one compared sorted.
var readsScript = []string{
	"SET s abc", "HSET h f v g w", "RPUSH l a b c", "SADD st a b", "ZADD z 1 a 2 b", "XADD x 1-1 f v",
	"SET pexp v PXAT 1",
	// Strings.
	"GET s", "GET nx", "GET h", "MGET s nx h", "STRLEN s", "STRLEN nx", "STRLEN h",
	"GETRANGE s 0 1", "GETRANGE nx 0 1", "GETRANGE h 0 1", "GETBIT s 1", "GETBIT nx 1", "GETBIT h 1",
	"BITCOUNT s", "BITCOUNT nx", "BITCOUNT h", "LCS s nx", "LCS nx s", "LCS s h",
	"GETSET s abc", "GETSET gs v", "GETSET h v", "DEL gs",
	"SET s abc GET", "SET sg v GET", "SET h v GET", "DEL sg", "GETEX s", "GETEX nx", "GETEX s EX -1", "GETEX nx EX -1", "GETEX h EX 10", "GETDEL nx", "GET pexp",
	"SET s2 v", "APPEND s2 x", "INCR nx2", "DEL nx2", "SETRANGE s2 0 y", "SETBIT s2 1 1", "SET nx v NX", "DEL nx",
	// Hashes.
	"HGET h f", "HGET h nf", "HGET nx f", "HGET s f", "HMGET h f nf", "HMGET nx f", "HMGET s f",
	"HLEN h", "HLEN nx", "HLEN s", "HSTRLEN h f", "HSTRLEN nx f", "HSTRLEN s f",
	"HGETALL h", "HGETALL nx", "HGETALL s", "HKEYS h", "HKEYS nx", "HVALS h", "HVALS nx", "HVALS s",
	"HEXISTS h f", "HEXISTS nx f", "HEXISTS s f", "HSCAN h 0", "HSCAN nx 0", "HSCAN s 0",
	"?HRANDFIELD h", "HRANDFIELD nx", "HRANDFIELD s", "?HRANDFIELD h 2", "HRANDFIELD nx 2", "HRANDFIELD s 2",
	"HSETNX h f v", "HINCRBY h2 n 1", "HDEL h2 n",
	// Lists.
	"LLEN l", "LLEN nx", "LLEN s", "LINDEX l 0", "LINDEX nx 0", "LINDEX s 0", "LINDEX l x", "LINDEX nx x",
	"LRANGE l 0 -1", "LRANGE l 5 6", "LRANGE nx 0 -1", "LRANGE s 0 -1",
	"LPOS l b", "LPOS nx b", "LPOS s b", "LPOS l b RANK 0", "LPOS nx b RANK 0",
	"LPUSHX nx a", "RPUSH l2 a", "LPOP l2", "LPOP nx", "LMOVE nx l2 LEFT LEFT",
	// Sets.
	"SISMEMBER st a", "SISMEMBER st c", "SISMEMBER nx a", "SISMEMBER s a",
	"SMISMEMBER st a c", "SMISMEMBER nx a", "SMISMEMBER s a", "SCARD st", "SCARD nx", "SCARD s",
	"~SMEMBERS st", "SMEMBERS nx", "SMEMBERS s", "?SRANDMEMBER st", "SRANDMEMBER nx", "SRANDMEMBER s",
	"?SRANDMEMBER st 1", "SRANDMEMBER nx 1", "SRANDMEMBER s 1",
	"SINTER st nx", "SINTER nx st", "SINTER st s nx", "SINTER nx s st", "SINTERCARD 2 st nx", "SINTERCARD 3 nx s st",
	"~SUNION st nx", "SUNION nx s st", "~SDIFF st nx", "SDIFF nx st", "SDIFF st s nx",
	"SINTERSTORE d st nx", "SUNIONSTORE d nx st", "SDIFFSTORE d st s", "?SSCAN st 0 COUNT 10", "SSCAN nx 0", "SSCAN s 0",
	"SMOVE st nx c", "SMOVE nx st a", "SREM nx a", "SPOP nx",
	// Sorted sets.
	"ZSCORE z a", "ZSCORE z c", "ZSCORE nx a", "ZSCORE s a", "ZMSCORE z a c", "ZMSCORE nx a", "ZMSCORE s a",
	"ZRANK z a", "ZRANK nx a", "ZRANK s a", "ZREVRANK z a", "ZREVRANK nx a",
	"ZCARD z", "ZCARD nx", "ZCARD s", "ZCOUNT z 0 5", "ZCOUNT nx 0 5", "ZCOUNT s 0 5",
	"ZLEXCOUNT z - +", "ZLEXCOUNT nx - +", "ZLEXCOUNT s - +",
	"ZRANGE z 0 -1", "ZRANGE nx 0 -1", "ZRANGE s 0 -1", "ZRANGE z 0 5 BYSCORE", "ZRANGE nx 0 5 BYSCORE",
	"ZRANGE z - + BYLEX", "ZRANGE nx - + BYLEX", "ZRANGE z 0 -1 REV", "ZREVRANGE z 0 -1", "ZREVRANGE nx 0 -1",
	"ZRANGEBYSCORE z 0 5", "ZRANGEBYSCORE nx 0 5", "ZREVRANGEBYSCORE z 5 0", "ZRANGEBYLEX z - +", "ZRANGEBYLEX nx - +",
	"ZREVRANGEBYLEX z + -", "ZRANGESTORE d z 0 -1", "ZRANGESTORE d nx 0 -1", "ZRANGESTORE d s 0 -1",
	"ZSCAN z 0", "ZSCAN nx 0", "ZSCAN s 0", "?ZRANDMEMBER z", "ZRANDMEMBER nx", "?ZRANDMEMBER z 1", "ZRANDMEMBER nx 1",
	"ZUNION 2 z nx", "ZUNION 3 nx s z", "ZINTER 2 z nx", "ZINTER 2 nx z", "ZDIFF 2 z nx", "ZDIFF 2 nx z",
	"ZINTERCARD 2 z nx", "ZUNION 2 z st", "ZUNIONSTORE d 2 z nx", "ZINTERSTORE d 2 nx z", "ZDIFFSTORE d 2 z s",
	"ZADD z2 1 a", "ZINCRBY z2 1 a", "ZREM nx a", "ZPOPMIN nx", "ZREMRANGEBYRANK nx 0 -1",
	// Streams.
	"XRANGE x - +", "XRANGE nx - +", "XRANGE s - +", "XRANGE x - + COUNT 0", "XRANGE nx - + COUNT 0",
	"XREVRANGE x + -", "XREVRANGE nx + -", "XLEN x", "XLEN nx", "XLEN s",
	"XREAD STREAMS x nx 0 0", "XREAD STREAMS nx 0", "XREAD STREAMS s 0",
	"XGROUP CREATE x g 0", "XREADGROUP GROUP g c STREAMS x >", "XPENDING x g", "XPENDING nx g", "?XPENDING x g - + 10",
	"XINFO GROUPS x", "XINFO GROUPS nx", "?XINFO CONSUMERS x g", "XINFO CONSUMERS nx g", "?XINFO STREAM x", "XINFO STREAM nx",
	"XACK x g 1-1", "XDEL nx 1-1", "XTRIM nx MAXLEN 0", "XCLAIM x g c 0 1-1", "XAUTOCLAIM x g c 0 0",
	// The keyspace.
	"EXISTS s nx h s", "TYPE s", "TYPE nx", "TTL s", "TTL nx", "PTTL s", "PTTL nx", "EXPIRETIME s", "EXPIRETIME nx",
	"PEXPIRETIME s", "PEXPIRETIME nx", "?DUMP s", "DUMP nx", "OBJECT ENCODING s", "OBJECT ENCODING nx",
	"OBJECT REFCOUNT s", "OBJECT REFCOUNT nx", "?MEMORY USAGE s", "MEMORY USAGE nx",
	"COPY s c1", "COPY nx c1", "COPY s c1", "RENAME c1 c2", "RENAMENX c2 s", "MOVE c2 3", "MOVE nx 3",
	"SORT l ALPHA", "SORT nx", "SORT s",
	"SORT l ALPHA STORE d", "SORT nx STORE d",
	"~KEYS *", "?SCAN 0 COUNT 1000", "SCAN 0 COUNT 1000 TYPE nosuchtype", "?RANDOMKEY", "DBSIZE", "EXPIRE nx 10", "PERSIST nx", "EXPIRE s 100", "PERSIST s",
	"DEL nx", "UNLINK nx", "DEL s2", "RESTORE nx 0 nopayload",
	"BLPOP l 0", "BRPOP nx 0.01", "BZPOPMIN z 0", "XREAD COUNT 1 BLOCK 10 STREAMS nx $",
}

// keyspaceStats returns INFO's keyspace_hits and keyspace_misses.
func keyspaceStats(t *testing.T, c *respclient.Client) [2]int64 {
	t.Helper()
	v, err := c.Do("INFO", "stats")
	if err != nil {
		t.Fatal(err)
	}
	var n [2]int64
	for _, line := range strings.Split(v.Str, "\r\n") {
		for i, name := range []string{"keyspace_hits:", "keyspace_misses:"} {
			if s, ok := strings.CutPrefix(line, name); ok {
				if n[i], err = strconv.ParseInt(s, 10, 64); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
			}
		}
	}
	return n
}

// TestKeyspaceHitsSideBySide runs readsScript on redis-server and kv and
// wants the same replies, and the same hits and misses counted by each
// command.
func TestKeyspaceHitsSideBySide(t *testing.T) {
	redis := redisClient(t)
	kv := startServer(t, serverOpts{}).dial(t)
	for _, c := range []*respclient.Client{redis, kv} {
		do(t, c, "FLUSHALL")
		do(t, c, "CONFIG", "RESETSTAT")
	}
	var haveWas, wantWas [2]int64
	for _, line := range readsScript {
		sameReply(t, redis, kv, line)
		haveNow, wantNow := keyspaceStats(t, kv), keyspaceStats(t, redis)
		haveHits, haveMisses := haveNow[0]-haveWas[0], haveNow[1]-haveWas[1]
		wantHits, wantMisses := wantNow[0]-wantWas[0], wantNow[1]-wantWas[1]
		if haveHits != wantHits || haveMisses != wantMisses {
			t.Errorf("%s: have %d hits, %d misses; want %d, %d", line, haveHits, haveMisses, wantHits, wantMisses)
		}
		haveWas, wantWas = haveNow, wantNow
	}
}

// TestKeymissSideBySide runs readsScript on redis-server and kv with the
// keymiss class on and wants the same events.
func TestKeymissSideBySide(t *testing.T) {
	redis := startRedis(t)
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	// KEAnm: a write's events and "new" come in Redis's order around the
	// keymiss of a write that reads its key first (SET ... GET, GETSET).
	for _, flags := range []string{"Em", "Km", "KEAnm"} {
		t.Run(flags, func(t *testing.T) {
			script := make([]string, len(readsScript))
			for i, line := range readsScript {
				script[i] = strings.TrimPrefix(line, "~")
			}
			tc := eventCase{name: "reads", flags: flags, script: script}
			want := runEvents(t, dialUnix(t, redis), dialUnix(t, redis), tc)
			have := runEvents(t, ts.dial(t), ts.dial(t), tc)
			wantEvents(t, "kv", have.events, want.events)
		})
	}
}
