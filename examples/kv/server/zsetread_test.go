package server

import "testing"

// zsetReadScript runs ZMSCORE and ZRANDMEMBER through their replies and
// errors in RESP2 and RESP3, on a sorted set of one member so that the
// random draws are known.
const zsetReadScript = "ZADD z 1 a\r\nZMSCORE z a b\r\nZMSCORE nokey a\r\nZMSCORE z\r\nSET str x\r\nZMSCORE str a\r\n" +
	"ZRANDMEMBER z\r\nZRANDMEMBER nokey\r\nZRANDMEMBER z 0\r\nZRANDMEMBER z 3\r\nZRANDMEMBER z -2\r\n" +
	"ZRANDMEMBER z -2 WITHSCORES\r\nZRANDMEMBER z 1 WITHSCORES\r\nZRANDMEMBER nokey 2\r\nZRANDMEMBER str\r\n" +
	"ZRANDMEMBER z 1 foo\r\nZRANDMEMBER z x\r\nZRANDMEMBER z -9223372036854775808\r\n" +
	"ZRANDMEMBER z -9223372036854770000 WITHSCORES\r\nHELLO 3\r\nZMSCORE z a b\r\nZRANDMEMBER z 1 WITHSCORES\r\n" +
	"ZRANDMEMBER z -2 WITHSCORES\r\n"

// TestZSetReadAgainstRedis wants ZMSCORE and ZRANDMEMBER byte for byte as
// redis-server 7 sends them.
func TestZSetReadAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, zsetReadScript,
		"*2\r\n$1\r\n1\r\n$-1\r\n",                             // ZMSCORE in RESP2
		"*2\r\n,1\r\n_\r\n",                                    // and in RESP3
		"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\na\r\n,1\r\n", // drawn twice, nested in RESP3
	)
}
