package server

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// resp3Script is every reply whose type RESP3 changes, then the same
// replies back in RESP2 after HELLO 2: maps, sets, doubles (scores, with
// inf), nulls of bulk and array replies, members nested with their scores
// and fields with their values. Each is deterministic: one-member sets
// and hashes, so that no order is compared.
const resp3Script = "HELLO 3\r\nSET k v\r\nGET nokey\r\nZADD z 1 a 2.5 b 3 c\r\nZSCORE z b\r\nZSCORE z nokey\r\nZSCORE nokey a\r\n" +
	"ZINCRBY z 1.5 a\r\nZADD z INCR 1 a\r\nZADD z XX INCR 1 nosuch\r\nZRANGE z 0 -1 WITHSCORES\r\nZRANGE z 0 -1\r\n" +
	"ZREVRANGE z 0 1 WITHSCORES\r\nZRANGEBYSCORE z -inf +inf WITHSCORES\r\nZUNION 1 z WITHSCORES\r\n" +
	"ZPOPMIN z\r\nZPOPMIN z 1\r\nZPOPMIN nokey\r\nZPOPMIN nokey 2\r\nZADD zi 1 x\r\nZINCRBY zi +inf x\r\nZSCORE zi x\r\n" +
	"HSET h f v\r\nHGETALL h\r\nHGETALL nokey\r\nHRANDFIELD h 1 WITHVALUES\r\nHRANDFIELD h -2 WITHVALUES\r\nHRANDFIELD h 1\r\nHRANDFIELD nokey\r\n" +
	"SADD s m\r\nSMEMBERS s\r\nSMEMBERS nokey\r\nSINTER s\r\nSUNION s nokey\r\nSDIFF s nokey\r\nSPOP nokey 2\r\nSPOP nokey\r\n" +
	"LPOP nokey\r\nLPOP nokey 2\r\nRPOP nokey 0\r\nMGET k nokey\r\nCONFIG GET maxmemory\r\nCLIENT GETNAME\r\nHELLO 4\r\n" +
	"HELLO 2\r\nGET nokey\r\nLPOP nokey 2\r\nHGETALL h\r\nZSCORE z b\r\nZRANGE z 0 -1 WITHSCORES\r\nZPOPMIN z\r\nSMEMBERS s\r\nHRANDFIELD h 1 WITHVALUES\r\n"

// helloFields matches what HELLO's reply may differ in between two
// servers: the version and the connection's id.
var helloFields = regexp.MustCompile(`(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*|(\$2\r\nid\r\n):\d+`)

func maskHello(s string) string { return helloFields.ReplaceAllString(s, "$1$2?") }

// TestRESP3AgainstRedis sends the same commands to kv and to redis-server
// 7 and wants the same bytes back, in RESP3 and again in RESP2.
func TestRESP3AgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, resp3Script,
		"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n", // HELLO 3's map
		"_\r\n",                                 // GET nokey
		",2.5\r\n",                              // ZSCORE z b
		"*2\r\n$1\r\nb\r\n,2.5\r\n",             // a member nested with its score
		",inf\r\n",                              // ZINCRBY to infinity
		"%1\r\n$1\r\nf\r\n$1\r\nv\r\n",          // HGETALL
		"~1\r\n$1\r\nm\r\n",                     // SMEMBERS
		"-NOPROTO unsupported protocol version\r\n",
		"*14\r\n$6\r\nserver\r\n", // HELLO 2: back to arrays
	)
}

// resp3PubSubScript subscribes in RESP3, where confirmations and messages
// are push frames and a subscribed client may send any command.
const resp3PubSubScript = "HELLO 3\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nSUBSCRIBE a b\r\nPING\r\nPING hi\r\nGET x\r\n" +
	"PUBLISH a x\r\nPSUBSCRIBE h*\r\nPUBLISH hello y\r\nUNSUBSCRIBE a zz\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nPING\r\n" +
	"HELLO 2\r\nSUBSCRIBE c\r\nGET x\r\n"

func TestRESP3PubSubAgainstRedis(t *testing.T) {
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	sameTranscript(t, ts.addr, resp3PubSubScript,
		">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n",
		">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n",
		">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nx\r\n",
		">4\r\n$8\r\npmessage\r\n$2\r\nh*\r\n$5\r\nhello\r\n$1\r\ny\r\n",
		"+PONG\r\n$2\r\nhi\r\n_\r\n",                 // PING, PING hi and GET x while subscribed
		"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n", // RESP2 again: an array
		"-ERR Can't execute 'get'",                   // and the subscribed state's limits
	)
}

// TestRESP3Client reads RESP3 through the test client: CLIENT INFO and
// LIST tell the protocol, and a connection that ends in RESP3 leaves none
// of it to the next client of its pooled state.
func TestRESP3Client(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	if have := do(t, c, "HELLO", "3", "SETNAME", "three"); !strings.Contains(have, `"proto": (integer) 3`) {
		t.Fatalf("HELLO 3 SETNAME: %s", have)
	}
	if have := do(t, c, "CLIENT", "INFO"); !strings.Contains(have, "name=three") || !strings.HasSuffix(have, `resp=3\n"`) {
		t.Errorf("CLIENT INFO: %s", have)
	}
	if have := do(t, c, "CLIENT", "LIST"); !strings.Contains(have, "name=three") || !strings.Contains(have, "resp=3") {
		t.Errorf("CLIENT LIST: %s", have)
	}
	if have := do(t, c, "INFO", "server"); !strings.Contains(have, "redis_version") {
		t.Errorf("INFO in RESP3: %s", have)
	}
	c.Close()
	for range 4 { // the pool hands back a used conn: none may speak RESP3
		c2 := ts.dial(t)
		if have := do(t, c2, "GET", "nokey"); have != "(nil)" {
			t.Fatalf("GET: %s", have)
		}
		if have := do(t, c2, "CLIENT", "INFO"); !strings.HasSuffix(have, `resp=2\n"`) {
			t.Fatalf("a new connection: %s", have)
		}
		c2.Close()
	}
}

// sameTranscript sends script to kv at addr and to a fresh redis-server 7,
// wants each of mustHave in kv's transcript (so that the test fails on
// its own where redis-server is missing), and the two transcripts equal
// byte for byte once HELLO's version and id are masked.
func sameTranscript(t *testing.T, addr, script string, mustHave ...string) {
	t.Helper()
	have := maskHello(transcript(t, addr, script))
	for _, want := range mustHave {
		if !strings.Contains(have, want) {
			t.Errorf("transcript lacks %q:\n%q", want, have)
		}
	}
	redis := startRedisTCP(t)
	if want := maskHello(transcript(t, redis, script)); have != want {
		t.Fatalf("kv and redis-server differ.\nkv:\n%q\nredis-server:\n%q", have, want)
	}
}

// TestArmWriter: a Writer handed to a connection anew speaks the
// protocol the connection chose and counts its errors.
func TestArmWriter(t *testing.T) {
	h := New(Config{Store: store.New(nil)})
	c := h.pool.Get().(*conn)
	c.st.proto.Store(3)
	c.w = resp.NewWriter(io.Discard)
	c.armWriter()
	if have := c.w.Proto(); have != 3 {
		t.Errorf("the new Writer speaks RESP%d", have)
	}
	c.w.WriteError("WRONGTYPE x")
	if c.st.errors != 1 || h.cstats.errsAll.Load() != 1 {
		t.Errorf("the error was not counted: %d by the connection, %d in all", c.st.errors, h.cstats.errsAll.Load())
	}
}
