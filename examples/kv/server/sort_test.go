package server

import "testing"

// sortScript exercises SORT without BY and GET, errors included.
var sortScript = []string{
	"RPUSH l 3 1 2 10 1.5", "SORT l", "SORT l DESC", "SORT l ALPHA", "SORT l ALPHA DESC", "SORT l LIMIT 1 2", "SORT l LIMIT 0 -1",
	"SORT l LIMIT -1 2", "SORT l LIMIT 10 2", "SORT l STORE d", "LRANGE d 0 -1", "SORT nol", "SORT nol STORE d", "EXISTS d",
	"RPUSH w b a c", "SORT w", "SORT w ALPHA", "SADD s 5 3 4", "SORT s", "ZADD z 3 a 1 b", "SORT z ALPHA",
	"SET str v", "SORT str", "SORT l FOO", "SORT l LIMIT 1", "SORT l LIMIT x 1", "SORT l STORE", "SORT l STORE str", "TYPE str",
	"RPUSH e 2 '' 1", "SORT e ALPHA",
}

func TestSortSideBySide(t *testing.T) { sideBySide(t, sortScript) }

// SORT ... STORE is journalled as what it did and replays to the same
// list, even when its source changes afterwards.
func TestSortStoreReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"RPUSH", "l", "3", "1", "2"}, {"SORT", "l", "STORE", "d"}, {"RPUSH", "l", "0"}, {"SORT", "nol", "STORE", "l"},
	}, dumpKeys)
}

// SORT ... STORE touches its destination for WATCH, though it is not
// among SORT's key positions.
func TestSortStoreTouchesWatch(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "SET", "foo", "bar")
	do(t, c, "WATCH", "foo")
	do(t, c, "SORT", "emptylist", "STORE", "foo")
	do(t, c, "MULTI")
	do(t, c, "PING")
	if got := do(t, c, "EXEC"); got != "(nil)" {
		t.Fatalf("EXEC after SORT STORE wrote the watched key: %s", got)
	}
}
