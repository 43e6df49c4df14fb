package server

import "testing"

// zrangeByScript exercises ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZCOUNT,
// ZRANGEBYLEX, ZREVRANGEBYLEX and ZLEXCOUNT, errors included.
var zrangeByScript = []string{
	"ZADD z -inf a 1 b 2 c 3 d 4 e 5 f +inf g",
	"ZRANGEBYSCORE z -inf 2", "ZRANGEBYSCORE z 0 3", "ZRANGEBYSCORE z (0 (3", "ZRANGEBYSCORE z 3 0", "ZRANGEBYSCORE z -inf +inf WITHSCORES",
	"ZREVRANGEBYSCORE z 2 -inf", "ZREVRANGEBYSCORE z 3 0", "ZREVRANGEBYSCORE z (3 (0 WITHSCORES", "ZREVRANGEBYSCORE z 0 3",
	"ZRANGEBYSCORE z 0 10 LIMIT 0 2", "ZRANGEBYSCORE z 0 10 LIMIT 2 3 WITHSCORES", "ZRANGEBYSCORE z 0 10 LIMIT 2 -1",
	"ZRANGEBYSCORE z 0 10 LIMIT -1 2", "ZRANGEBYSCORE z 0 10 LIMIT 20 10", "ZREVRANGEBYSCORE z 10 0 LIMIT 1 2 WITHSCORES",
	"ZRANGEBYSCORE z str 1", "ZRANGEBYSCORE z 1 str", "ZRANGEBYSCORE z 1 nan", "ZRANGEBYSCORE z 0 1 LIMIT 1", "ZRANGEBYSCORE z 0 1 FOO",
	"ZRANGEBYSCORE z 0 1 LIMIT x 1", "ZRANGEBYSCORE noz 0 1", "ZRANGEBYSCORE noz x 1",
	"ZCOUNT z 0 3", "ZCOUNT z (0 (3", "ZCOUNT z -inf +inf", "ZCOUNT z x 1", "ZCOUNT noz 0 1",
	"ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g",
	"ZRANGEBYLEX l - +", "ZRANGEBYLEX l [b [d", "ZRANGEBYLEX l (b (d", "ZRANGEBYLEX l [b +", "ZRANGEBYLEX l - (c",
	"ZREVRANGEBYLEX l + -", "ZREVRANGEBYLEX l [d [b", "ZREVRANGEBYLEX l (d - LIMIT 1 2", "ZRANGEBYLEX l - + LIMIT 2 3",
	"ZRANGEBYLEX l b d", "ZRANGEBYLEX l [b d", "ZRANGEBYLEX l - + WITHSCORES", "ZRANGEBYLEX l + -", "ZRANGEBYLEX l [d [b",
	"ZLEXCOUNT l - +", "ZLEXCOUNT l [b (e", "ZLEXCOUNT l x y", "ZLEXCOUNT nol - +",
	"SET str v", "ZRANGEBYSCORE str 0 1", "ZCOUNT str 0 1", "ZRANGEBYLEX str - +", "ZLEXCOUNT str - +",
}

func TestZRangeBySideBySide(t *testing.T) { sideBySide(t, zrangeByScript) }

// zremRangeScript exercises ZREMRANGEBYSCORE, ZREMRANGEBYLEX and
// ZREMRANGEBYRANK, errors included.
var zremRangeScript = []string{
	"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYSCORE z 2 (4", "ZRANGE z 0 -1", "ZREMRANGEBYSCORE z 10 20", "ZREMRANGEBYSCORE z x 1",
	"ZREMRANGEBYRANK z 0 0", "ZRANGE z 0 -1", "ZREMRANGEBYRANK z -1 -1", "ZREMRANGEBYRANK z 5 9", "ZREMRANGEBYRANK z x 1",
	"ZADD l 0 a 0 b 0 c 0 d", "ZREMRANGEBYLEX l [b (d", "ZRANGE l 0 -1", "ZREMRANGEBYLEX l x y", "ZREMRANGEBYLEX l - +", "EXISTS l",
	"ZREMRANGEBYRANK z 0 -1", "EXISTS z", "ZREMRANGEBYSCORE noz 0 1", "ZREMRANGEBYRANK noz 0 1",
	"SET str v", "ZREMRANGEBYSCORE str 0 1", "ZREMRANGEBYRANK str 0 1",
}

func TestZRemRangeSideBySide(t *testing.T) { sideBySide(t, zremRangeScript) }

// The removals are journalled as received and replay to the same sets.
func TestZRemRangeReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}, {"ZREMRANGEBYSCORE", "z", "(1", "2"},
		{"ZREMRANGEBYRANK", "z", "-1", "-1"}, {"ZADD", "l", "0", "a", "0", "b", "0", "c"}, {"ZREMRANGEBYLEX", "l", "-", "[a"},
	}, dumpKeys)
}
