package server

import "testing"

// setOpsScript exercises SINTER, SINTERCARD, SUNION, SDIFF, ZRANK and
// ZREVRANK; a reply of several members is compared sorted ("~").
var setOpsScript = []string{
	"SADD a 1 2 3 4", "SADD b 3 4 5", "SADD c 4 5 6",
	"~SINTER a b", "~SINTER a b c", "SINTER a nokey", "~SINTER a", "~SUNION a b c", "~SUNION a nokey", "SUNION nokey",
	"~SDIFF a b", "~SDIFF a b c", "SDIFF nokey a", "~SDIFF a nokey",
	"SINTERCARD 2 a b", "SINTERCARD 3 a b c", "SINTERCARD 2 a b LIMIT 1", "SINTERCARD 2 a b LIMIT 0", "SINTERCARD 1 nokey",
	"SINTERCARD 0 a", "SINTERCARD x a", "SINTERCARD 3 a b", "SINTERCARD 2 a b LIMIT -1", "SINTERCARD 2 a b LIMIT x",
	"SINTERCARD 2 a b FOO 1", "SINTERCARD 2 a b LIMIT",
	"SET str v", "SINTER a str", "SINTER nokey str", "SUNION a str", "SDIFF a str", "SINTERCARD 2 a str",
	"ZADD z 1 a 2 b 3 c", "ZRANK z a", "ZRANK z c", "ZREVRANK z a", "ZREVRANK z c", "ZRANK z nom", "ZRANK noz a",
	"ZRANK str a", "ZREVRANK z",
	"SINTERSTORE d a b", "~SMEMBERS d", "SUNIONSTORE d a b c", "~SMEMBERS d", "SDIFFSTORE d a b", "~SMEMBERS d",
	"SINTERSTORE d a nokey", "EXISTS d", "SUNIONSTORE str a", "TYPE str", "~SMEMBERS str", "SDIFFSTORE d a z", "SINTERSTORE d",
	"SADD m1 a b", "SMOVE m1 m2 a", "~SMEMBERS m1", "~SMEMBERS m2", "SMOVE m1 m2 x", "SMOVE nom m2 a", "SMOVE m1 m1 b",
	"SMOVE m1 m1 x", "SMOVE m1 m2 b", "EXISTS m1", "SET ms v", "SMOVE m2 ms a", "SMOVE ms m2 a", "SMOVE nom ms a", "SMOVE m2 m3",
}

func TestSetOpsSideBySide(t *testing.T) { sideBySide(t, setOpsScript) }

// The STORE forms are journalled as what they did (DEL, then SADD), and
// replay to the same sets even when their sources change after them.
func TestSetStoreReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"SADD", "a", "1", "2", "3"}, {"SADD", "b", "2", "3", "4"}, {"SINTERSTORE", "i", "a", "b"},
		{"SUNIONSTORE", "u", "a", "b"}, {"SDIFFSTORE", "d", "a", "b"}, {"SREM", "a", "2"}, {"SET", "s", "x"},
		{"SUNIONSTORE", "s", "a"}, {"SINTERSTORE", "gone", "a", "nokey"},
		{"SMOVE", "a", "b", "1"}, {"SMOVE", "a", "new", "3"},
	}, dumpKeys)
}

// An SMOVE made while a rewrite runs, between shards already dumped,
// reaches the new file through the rewrite's tail as its effect on each.
func TestSMoveDuringRewrite(t *testing.T) {
	checkRewriteReplay(t, [][]string{{"SADD", "a", "1", "2"}, {"SADD", "b", "3"}},
		[][]string{{"SMOVE", "a", "b", "1"}, {"SMOVE", "a", "c", "2"}})
}
