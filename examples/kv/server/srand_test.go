package server

import (
	"strconv"
	"testing"
)

// srandScript exercises SRANDMEMBER's deterministic replies: a whole set
// (sorted), a missing key, errors.
var srandScript = []string{
	"SADD s a b c", "~SRANDMEMBER s 3", "~SRANDMEMBER s 10", "SRANDMEMBER s 0", "SRANDMEMBER nos", "SRANDMEMBER nos 5",
	"SRANDMEMBER nos -5", "SRANDMEMBER s x", "SRANDMEMBER s 1 2", "SET str v", "SRANDMEMBER str", "SRANDMEMBER str 2",
	"SRANDMEMBER s -9223372036854775808", "SCARD s",
}

func TestSRandMemberSideBySide(t *testing.T) { sideBySide(t, srandScript) }

// SRANDMEMBER returns members of the set: distinct ones, count at most,
// for a positive count; exactly -count, repeats allowed, for a negative
// one.
func TestSRandMemberCounts(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	members := map[string]bool{}
	args := []string{"SADD", "s"}
	for i := range 20 {
		members[strconv.Itoa(i)] = true
		args = append(args, strconv.Itoa(i))
	}
	do(t, c, args...)
	for _, tc := range []struct {
		count    string
		n        int
		distinct bool
	}{{"5", 5, true}, {"20", 20, true}, {"-50", 50, false}, {"-1", 1, false}} {
		v, err := c.Do("SRANDMEMBER", "s", tc.count)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Array) != tc.n {
			t.Fatalf("SRANDMEMBER s %s: %d members, want %d", tc.count, len(v.Array), tc.n)
		}
		seen := map[string]bool{}
		for _, m := range v.Array {
			if !members[m.Str] {
				t.Fatalf("SRANDMEMBER s %s: %q is no member", tc.count, m.Str)
			}
			if tc.distinct && seen[m.Str] {
				t.Fatalf("SRANDMEMBER s %s: %q twice", tc.count, m.Str)
			}
			seen[m.Str] = true
		}
	}
	if v := do(t, c, "SRANDMEMBER", "s"); !members[v[1:len(v)-1]] {
		t.Fatalf("SRANDMEMBER s: %s", v)
	}
}
