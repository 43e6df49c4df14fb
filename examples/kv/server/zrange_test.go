package server

import "testing"

// zrangeScript is ZRANGE's BYSCORE, BYLEX, REV and LIMIT, and ZRANGESTORE,
// through their replies and errors in Redis's order of checks.
const zrangeScript = "ZADD src 1 a 2 b 3 c 4 d\r\nZRANGE src 1 3 BYSCORE\r\nZRANGE src (1 3 BYSCORE LIMIT 1 1\r\n" +
	"ZRANGE src 3 1 BYSCORE REV\r\nZRANGE src [a [c BYLEX\r\nZRANGE src [c [a BYLEX REV WITHSCORES\r\n" +
	"ZRANGE src 0 1 LIMIT 0 1\r\nZRANGE src 0 -1 BYSCORE\r\nZRANGE src 0 2 REV WITHSCORES\r\nZRANGE src (a (c BYLEX\r\n" +
	"ZRANGE src [c [a BYLEX REV LIMIT 0 2\r\nZRANGE src -inf +inf BYSCORE LIMIT -1 2\r\nZRANGE src 0 1 BYSCORE LIMIT 1\r\n" +
	"ZRANGE src 0 1 foo\r\nZRANGE src 0 1 BYSCORE BYLEX\r\nZRANGE src x y BYLEX\r\nZRANGE src 0 1 LIMIT x 1 BYSCORE\r\n" +
	"ZRANGESTORE dst src 0 -1\r\nZRANGE dst 0 -1 WITHSCORES\r\nZRANGESTORE dst src 2 3 BYSCORE REV\r\n" +
	"ZRANGESTORE dst src 3 2 BYSCORE REV\r\nZRANGE dst 0 -1 WITHSCORES\r\nZRANGESTORE dst src 5 6 BYSCORE\r\nEXISTS dst\r\n" +
	"ZRANGESTORE dst src 0 1 WITHSCORES\r\nZRANGESTORE dst src x y BYSCORE\r\nZRANGESTORE dst nokey 0 -1\r\n" +
	"SET str x\r\nZRANGESTORE dst str 0 -1\r\nZRANGE str 0 -1\r\nHELLO 3\r\nZRANGE src 1 2 BYSCORE WITHSCORES\r\n"

// TestZRangeAgainstRedis wants ZRANGE's forms and ZRANGESTORE byte for
// byte as redis-server 7 answers them.
func TestZRangeAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, zrangeScript, "*1\r\n$1\r\nc\r\n")
}

// TestZRangeStoreReplay: ZRANGESTORE is journalled as the DEL and ZADD it
// did, and a restart from the file has the same sorted sets.
func TestZRangeStoreReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"ZADD", "src", "1", "a", "2", "b", "3", "c"}, {"ZRANGESTORE", "dst", "src", "1", "-1"},
		{"ZRANGESTORE", "byscore", "src", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"},
		{"ZRANGESTORE", "byscore", "src", "10", "20", "BYSCORE"},
	}, dumpKeys)
}
