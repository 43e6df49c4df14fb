package server

import "testing"

// hashRandScript exercises HMSET, ZREVRANGE and HRANDFIELD's
// deterministic replies: a one-field hash, a missing key, errors.
var hashRandScript = []string{
	"HMSET h f v", "HMSET h a", "HMSET h a 1 b", "HGETALL h", "HRANDFIELD h", "HRANDFIELD h 1", "HRANDFIELD h 5 WITHVALUES",
	"HRANDFIELD h -3", "HRANDFIELD h -2 WITHVALUES", "HRANDFIELD h 0", "HRANDFIELD noh", "HRANDFIELD noh 3", "HRANDFIELD noh -3 WITHVALUES",
	"HRANDFIELD h x", "HRANDFIELD h 1 FOO", "HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h -9223372036854775808",
	"HRANDFIELD h -9223372036854775807 WITHVALUES", "SET str v", "HRANDFIELD str", "HRANDFIELD str 2", "HMSET str a b",
	"ZADD z 1 a 2 b 3 c", "ZREVRANGE z 0 -1", "ZREVRANGE z 0 1 WITHSCORES", "ZREVRANGE z 0 1 FOO", "ZREVRANGE z a 1",
	"ZREVRANGE noz 0 -1", "ZREVRANGE str 0 -1", "ZREVRANGE z 0 -1 WITHSCORES x",
}

func TestHashRandSideBySide(t *testing.T) { sideBySide(t, hashRandScript) }

// HRANDFIELD returns fields of the hash: distinct, count at most, for a
// positive count, each with its value with WITHVALUES; exactly -count,
// repeats allowed, for a negative one.
func TestHRandFieldCounts(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
	vals := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}
	for _, tc := range []struct {
		args     []string
		n        int
		distinct bool
	}{
		{[]string{"2"}, 2, true}, {[]string{"10"}, 4, true}, {[]string{"-9"}, 9, false},
		{[]string{"3", "WITHVALUES"}, 3, true}, {[]string{"-6", "WITHVALUES"}, 6, false},
	} {
		v, err := c.Do(append([]string{"HRANDFIELD", "h"}, tc.args...)...)
		if err != nil {
			t.Fatal(err)
		}
		step := 1
		if len(tc.args) == 2 {
			step = 2
		}
		if len(v.Array) != tc.n*step {
			t.Fatalf("HRANDFIELD h %q: %d items, want %d", tc.args, len(v.Array), tc.n*step)
		}
		seen := map[string]bool{}
		for i := 0; i < len(v.Array); i += step {
			f := v.Array[i].Str
			if _, ok := vals[f]; !ok || step == 2 && v.Array[i+1].Str != vals[f] {
				t.Fatalf("HRANDFIELD h %q: %s", tc.args, v)
			}
			if tc.distinct && seen[f] {
				t.Fatalf("HRANDFIELD h %q: %q twice", tc.args, f)
			}
			seen[f] = true
		}
	}
}
