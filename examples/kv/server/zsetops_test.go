package server

import "testing"

// zsetOpsScript exercises ZUNION, ZINTER, ZDIFF, their STORE forms and
// ZINTERCARD, over sorted sets and sets, errors included.
var zsetOpsScript = []string{
	"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s x w",
	"ZUNION 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES", "ZUNION 2 a b AGGREGATE MIN WITHSCORES",
	"ZUNION 2 a b AGGREGATE MAX WITHSCORES", "ZINTER 2 a b WITHSCORES", "ZINTER 2 a b", "ZINTER 3 a b s WITHSCORES",
	"ZDIFF 2 a b WITHSCORES", "ZDIFF 1 a", "ZUNION 2 a s WITHSCORES", "ZUNION 2 a nokey WITHSCORES", "ZINTER 2 a nokey",
	"ZUNIONSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a b WEIGHTS 1 2", "ZRANGE d 0 -1 WITHSCORES",
	"ZDIFFSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a nokey", "EXISTS d",
	"ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0", "ZINTERCARD 0 a", "ZINTERCARD 3 a b",
	"ZINTERCARD 2 a b LIMIT -1", "ZUNION 0 a", "ZUNION 3 a b", "ZUNIONSTORE d 0 a", "ZUNION 2 a b WEIGHTS 1", "ZUNION 2 a b WEIGHTS 1 x",
	"ZUNION 2 a b AGGREGATE FOO", "ZUNIONSTORE d 2 a b WITHSCORES", "ZDIFF 2 a b WEIGHTS 1 1", "ZUNION x a",
	"ZADD i 1 p", "ZADD j -inf p", "ZADD k inf p", "ZUNION 2 j k WITHSCORES", "ZUNION 1 k WEIGHTS 0 WITHSCORES",
	"SET str v", "ZUNION 2 a str", "ZUNIONSTORE str 1 a", "TYPE str",
}

func TestZSetOpsSideBySide(t *testing.T) { sideBySide(t, zsetOpsScript) }

// The STORE forms are journalled as the DEL and ZADD they did.
func TestZSetStoreReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"ZADD", "a", "1", "x", "2.5", "y", "inf", "z"}, {"ZADD", "b", "10", "y"}, {"ZUNIONSTORE", "u", "2", "a", "b"},
		{"ZINTERSTORE", "i", "2", "a", "b", "AGGREGATE", "MAX"}, {"ZDIFFSTORE", "d", "2", "a", "b"}, {"ZADD", "a", "0", "q"},
	}, dumpKeys)
}
