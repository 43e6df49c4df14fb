package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// elemScanScript exercises ZSCAN (ordered by score in both servers),
// SMISMEMBER, ZINCRBY and the element scans' errors.
var elemScanScript = []string{
	"ZADD z 1 a 2 b 3 c 1.5 ab", "ZSCAN z 0", "ZSCAN z 0 MATCH a*", "ZSCAN z 0 COUNT 1", "ZSCAN noz 0",
	"ZSCAN z x", "ZSCAN z 0 COUNT 0", "ZSCAN z 0 COUNT x", "ZSCAN z 0 MATCH", "ZSCAN z 0 TYPE string",
	"SADD s a b", "SMISMEMBER s a x b", "SMISMEMBER nos a", "SET str v", "SMISMEMBER str a", "SMISMEMBER s",
	"SSCAN str 0", "HSCAN str 0", "ZSCAN str 0", "SSCAN nos 0", "HSCAN noh 0",
	"ZINCRBY z 2 a", "ZINCRBY z -1.5 new", "ZINCRBY z x a", "ZINCRBY z nan a", "ZINCRBY z +inf a", "ZINCRBY z -inf a",
	"ZINCRBY str 1 a", "ZRANGE z 0 -1 WITHSCORES",
}

func TestElemScanSideBySide(t *testing.T) { sideBySide(t, elemScanScript) }

// SSCAN and HSCAN return every member (with its value, for a hash) in one
// reply with the cursor 0, MATCH applied, as redis-server does for small
// values: compared with it, order aside.
func TestSScanHScanSideBySide(t *testing.T) {
	redis := redisClient(t)
	kv := startServer(t, serverOpts{}).dial(t)
	for _, setup := range [][]string{{"SADD", "s", "a", "b", "ab", "c"}, {"HSET", "h", "a", "1", "b", "2", "ab", "3"}} {
		do(t, redis, setup...)
		do(t, kv, setup...)
	}
	for _, line := range []string{"SSCAN s 0", "SSCAN s 0 MATCH a*", "HSCAN h 0", "HSCAN h 0 MATCH a* COUNT 100"} {
		args := strings.Fields(line)
		var got [2]string
		for i, cl := range []*respclient.Client{redis, kv} {
			v, err := cl.Do(args...)
			if err != nil || len(v.Array) != 2 {
				t.Fatalf("%q (server %d): %v %v", line, i, v, err)
			}
			step := 1
			if args[0] == "HSCAN" {
				step = 2
			}
			var elems []string
			for j := 0; j < len(v.Array[1].Array); j += step {
				var e []string
				for _, x := range v.Array[1].Array[j : j+step] {
					e = append(e, x.Str)
				}
				elems = append(elems, strings.Join(e, "="))
			}
			slices.Sort(elems)
			got[i] = v.Array[0].Str + " " + strings.Join(elems, ",")
		}
		if got[0] != got[1] {
			t.Errorf("%s: kv %s, redis-server %s", line, got[1], got[0])
		}
	}
}
