package server

import "testing"

// listEditScript exercises LINSERT, LSET, LTRIM, LREM, LPUSHX and RPUSHX,
// errors included.
var listEditScript = []string{
	"RPUSH l a b c b a", "LINSERT l BEFORE b x", "LINSERT l after b y", "LRANGE l 0 -1", "LINSERT l BEFORE nope z",
	"LINSERT nol BEFORE a z", "LINSERT l MIDDLE a z", "LSET l 0 first", "LSET l -1 last", "LSET l 99 z", "LSET l x z",
	"LSET nol 0 z", "LRANGE l 0 -1", "LREM l 1 b", "LRANGE l 0 -1", "LREM l -1 b", "LREM l 0 a", "LREM l 0 nope",
	"LREM l x a", "LREM nol 1 a", "LRANGE l 0 -1", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l 0 -1", "LTRIM l 5 1",
	"EXISTS l", "LTRIM nol 0 1", "LTRIM l x 1", "LPUSHX l a", "EXISTS l", "RPUSH l a", "LPUSHX l z y", "RPUSHX l w",
	"RPUSHX nol w", "LRANGE l 0 -1", "RPUSH r a b a c a", "LREM r -2 a", "LRANGE r 0 -1", "LREM r 1 c", "LREM r 5 a", "EXISTS r",
	"SET str v", "LINSERT str BEFORE a b", "LSET str 0 a", "LTRIM str 0 1", "LREM str 0 a", "LPUSHX str a",
}

func TestListEditSideBySide(t *testing.T) { sideBySide(t, listEditScript) }

// The edits are journalled as received and replay to the same lists.
func TestListEditReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"RPUSH", "l", "a", "b", "c", "b"}, {"LINSERT", "l", "AFTER", "b", "x"}, {"LSET", "l", "0", "z"},
		{"LREM", "l", "-1", "b"}, {"LTRIM", "l", "1", "-1"}, {"LPUSHX", "l", "p"}, {"RPUSHX", "l", "q"},
		{"RPUSH", "gone", "a"}, {"LTRIM", "gone", "1", "0"},
	}, dumpKeys)
}
