package server

import (
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

var long65 = strings.Repeat("x", 65)

// hashOrderScript: a small hash keeps its fields in the order they were
// first set; an update keeps a field's place, a deleted one leaves the
// rest in order, and every read of the whole hash gives that order.
var hashOrderScript = []string{
	"HSET h c 3 a 1 b 2 e 5 d 4", "HSET h a 10", "HDEL h e", "HSET h e 50", "HSETNX h f 6", "HINCRBY h g 7",
	"HINCRBYFLOAT h b 0.5", "HMSET h z 26 y 25",
	"HGETALL h", "HKEYS h", "HVALS h", "HSCAN h 0", "HSCAN h 0 MATCH [a-e]", "HRANDFIELD h 100", "HRANDFIELD h 100 WITHVALUES",
	"HDEL h c a b e d", "HGETALL h", "HSET h c 3", "HKEYS h",
}

func TestHashOrderSideBySide(t *testing.T) { sideBySide(t, hashOrderScript) }

// hashEncodingScript: a hash is a listpack until a write takes it over
// the thresholds in force at that write, then a hashtable for good.
var hashEncodingScript = []string{
	"CONFIG SET hash-max-listpack-entries 4",
	"HSET n a 1 b 2 c 3 d 4", "OBJECT ENCODING n", "HSET n e 5", "OBJECT ENCODING n",
	"HDEL n a b c d", "OBJECT ENCODING n", "HLEN n",
	"HSET v f " + long65, "OBJECT ENCODING v", "HDEL v f", "HSET v f 1", "HSET v g 1", "OBJECT ENCODING v",
	"HSET u f 1", "HSET u f " + long65, "OBJECT ENCODING u",
	"HSET w f 1", "HSETNX w f " + long65, "OBJECT ENCODING w", "HSETNX w g " + long65, "OBJECT ENCODING w",
	"HSET x f 1", "HINCRBYFLOAT x f 0.0000000000000000000000000000000000000000000000000000000000001", "OBJECT ENCODING x",
	"HSET y a 1", "HSET y " + long65 + " 1", "OBJECT ENCODING y",
	"HSET t a 1", "CONFIG SET hash-max-ziplist-entries 0", "OBJECT ENCODING t", "HGET t a", "OBJECT ENCODING t",
	"HSET t a 2", "OBJECT ENCODING t",
	"CONFIG SET hash-max-ziplist-entries 128 hash-max-ziplist-value 0", "HSET s a 1", "OBJECT ENCODING s",
	"CONFIG SET hash-max-listpack-value 64", "HSET r a 1", "COPY r r2", "OBJECT ENCODING r2", "COPY n n2", "OBJECT ENCODING n2",
	"RENAME r r3", "OBJECT ENCODING r3",
}

func TestHashEncodingSideBySide(t *testing.T) { sideBySide(t, hashEncodingScript) }

// TestHashRestoreSideBySide: RESTORE gives a hash the encoding its size
// has under the thresholds in force, whatever it had when dumped, and
// keeps the order of a listpack's fields. Each server restores its own
// DUMP: the payloads differ.
func TestHashRestoreSideBySide(t *testing.T) {
	redis := redisClient(t)
	ts := startServer(t, serverOpts{})
	kv := ts.dial(t)
	script := func(c *respclient.Client) []string {
		var out []string
		var dump string
		run := func(args ...string) respclient.Value {
			v, err := c.Do(args...)
			if err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			line := strings.Join(args, " ")
			if dump != "" {
				line = strings.ReplaceAll(line, dump, "<payload>")
			}
			if args[0] != "DUMP" {
				out = append(out, line+" -> "+v.String())
			}
			return v
		}
		run("HSET", "k", "c", "3", "a", "1", "b", "2")
		dump = run("DUMP", "k").Str
		run("RESTORE", "k1", "0", dump)
		run("OBJECT", "ENCODING", "k1")
		run("HGETALL", "k1")
		run("CONFIG", "SET", "hash-max-ziplist-entries", "2")
		run("RESTORE", "k2", "0", dump)
		run("OBJECT", "ENCODING", "k2")
		run("HSET", "t", "a", "1", "b", "2", "c", "3")
		run("HDEL", "t", "c")
		run("OBJECT", "ENCODING", "t")
		dump = run("DUMP", "t").Str
		run("RESTORE", "t1", "0", dump)
		run("OBJECT", "ENCODING", "t1")
		run("CONFIG", "SET", "hash-max-ziplist-entries", "128", "hash-max-ziplist-value", "1")
		run("RESTORE", "t2", "0", dump)
		run("OBJECT", "ENCODING", "t2")
		return out
	}
	want, have := script(redis), script(kv)
	for i := range want {
		if have[i] != want[i] {
			t.Errorf("have %s\nwant %s", have[i], want[i])
		}
	}
}

// stringEncodingScript: APPEND to a key, SETRANGE and SETBIT leave a
// "raw" string whatever its size, INCRBYFLOAT an "embstr" even for an
// integer, and a write of a whole value gives the encoding its size has
// again; COPY, RENAME, MOVE and SWAPDB keep the encoding.
var stringEncodingScript = []string{
	"SET i 1234", "SETRANGE i 0 2", "OBJECT ENCODING i", "GET i",
	"SET a 12", "APPEND a 3", "OBJECT ENCODING a", "APPEND n 12", "OBJECT ENCODING n",
	"SET b 1", "SETBIT b 1 0", "OBJECT ENCODING b", "SETBIT nb 7 1", "OBJECT ENCODING nb",
	"SETRANGE s 0 ab", "OBJECT ENCODING s",
	"INCRBYFLOAT f 3", "OBJECT ENCODING f", "INCR f", "OBJECT ENCODING f",
	"SET r 5", "APPEND r 5", "INCR r", "OBJECT ENCODING r",
	"SET e 12 EX 100", "APPEND e 3", "PERSIST e", "OBJECT ENCODING e", "SET e 12", "OBJECT ENCODING e",
	"APPEND c 1", "APPEND c 2", "COPY c c2", "OBJECT ENCODING c2", "RENAME c c3", "OBJECT ENCODING c3",
	"MOVE c2 1", "SELECT 1", "OBJECT ENCODING c2", "SWAPDB 0 1", "SELECT 0", "OBJECT ENCODING c2", "FLUSHALL",
	"APPEND d 1", "DEL d", "SET d 1", "OBJECT ENCODING d",
}

func TestStringEncodingSideBySide(t *testing.T) { sideBySide(t, stringEncodingScript) }

// setEncodingScript: a set is an intset until a write adds a member an
// intset cannot hold or one too many under the thresholds in force, then
// a hashtable for good; a STORE, an SMOVE's new destination and an SPOP
// that leaves few members build a set anew.
var setEncodingScript = []string{
	"SADD s1 1 2 3", "SADD s2 1 2 3 a", "SREM s2 a", "OBJECT ENCODING s1", "OBJECT ENCODING s2", "~SINTER s1 s2",
	"SINTERSTORE s3 s1 s2", "OBJECT ENCODING s3", "SUNIONSTORE s4 s2", "OBJECT ENCODING s4",
	"SADD s5 a", "SMOVE s5 s6 a", "SADD s6 1", "OBJECT ENCODING s6", "SADD s7 x 1", "SMOVE s7 s8 1", "OBJECT ENCODING s8",
	"CONFIG SET set-max-intset-entries 3", "SADD s9 1 2 3", "OBJECT ENCODING s9", "SADD s9 3", "OBJECT ENCODING s9",
	"SADD s9 4", "OBJECT ENCODING s9", "SREM s9 4 3", "OBJECT ENCODING s9",
	"SADD p 1 2 3 4 5 6 7 8", "OBJECT ENCODING p", "?SPOP p 7", "OBJECT ENCODING p",
	"SADD q 1 2 3 4 5 6 7 8", "?SPOP q 2", "OBJECT ENCODING q",
	"SADD c a 1", "SREM c a", "COPY c c2", "OBJECT ENCODING c2",
	"CONFIG SET set-max-intset-entries 512",
}

func TestSetEncodingSideBySide(t *testing.T) { sideBySide(t, setEncodingScript) }

// zsetEncodingScript: ZADD creates a sorted set as a listpack unless its
// first member is too long; a new member past the thresholds in force
// makes it a skiplist for good, which no removal undoes; the STORE forms
// and RESTORE build theirs whole and pick by size.
var zsetEncodingScript = []string{
	"CONFIG SET zset-max-listpack-entries 4",
	"ZADD z 1 a 2 b 3 c 4 d", "OBJECT ENCODING z", "ZADD z 5 e", "OBJECT ENCODING z",
	"ZREM z a b c d", "OBJECT ENCODING z", "ZCARD z", "ZPOPMIN z", "EXISTS z",
	"ZADD u 1 a 2 b 3 c 4 d", "ZADD u 9 a", "ZINCRBY u 1 b", "OBJECT ENCODING u",
	"ZADD v 1 " + long65, "OBJECT ENCODING v", "ZREM v " + long65, "ZADD v 1 a 2 " + long65, "OBJECT ENCODING v",
	"ZADD w 1 a", "ZADD w 2 " + long65, "OBJECT ENCODING w", "ZREM w " + long65, "OBJECT ENCODING w",
	"ZADD y 1 a 2 b 3 c 4 d 5 e 6 f", "ZREMRANGEBYRANK y 0 3", "OBJECT ENCODING y",
	"ZUNIONSTORE y2 1 y", "OBJECT ENCODING y2", "ZRANGESTORE y3 y 0 -1", "OBJECT ENCODING y3",
	"COPY y y4", "OBJECT ENCODING y4", "RENAME y4 y5", "OBJECT ENCODING y5",
	"CONFIG SET zset-max-listpack-entries 0", "ZADD x 1 a", "OBJECT ENCODING x",
	"CONFIG SET zset-max-listpack-entries 128", "OBJECT ENCODING x", "ZADD t 1 a", "OBJECT ENCODING t",
}

func TestZSetEncodingSideBySide(t *testing.T) { sideBySide(t, zsetEncodingScript) }
