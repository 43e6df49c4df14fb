package server

import (
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// watchCase is a write another client runs on a key a transaction
// watches: setup runs first, then WATCH key, MULTI and PING on one
// client, write on the other, and EXEC.
type watchCase struct {
	setup []string
	key   string
	write string
}

// watchCases are writes that change nothing, which Redis lets a
// transaction watching their keys through (it signals a key modified only
// when it is), beside writes that change their key, and those Redis
// signals even when they change nothing (SET of the same value, HSET,
// LTRIM, INCRBY 0, SETBIT, FLUSHDB and SWAPDB of an existing key).
var watchCases = []watchCase{
	{[]string{"SET k v"}, "k", "SET k v2 NX"},
	{[]string{"SET k v"}, "k", "SET k v2 XX"},
	{nil, "k", "SET k v XX"},
	{[]string{"SET k v"}, "k", "SET k v"},
	{[]string{"SET k v"}, "k", "SETNX k v2"},
	{[]string{"SET k v"}, "k", "MSETNX k v2 other v"},
	{nil, "k", "MSET other v k v"},
	{[]string{"SET k 1"}, "k", "INCRBY k 0"},
	{[]string{"SET k v"}, "k", "SETRANGE k 0 \"\""},
	{[]string{"SET k v"}, "k", "SETBIT k 0 0"},
	{[]string{"SET k v"}, "k", "GETEX k PERSIST"},
	{nil, "k", "GETDEL k"},
	{[]string{"SET k v"}, "k", "GETDEL k"},
	{[]string{"SET k v"}, "other", "DEL k other"},
	{[]string{"SET k v"}, "k", "DEL k other"},
	{nil, "k", "UNLINK k"},
	{nil, "k", "EXPIRE k 10"},
	{[]string{"SET k v EX 100"}, "k", "EXPIRE k 200 NX"},
	{[]string{"SET k v EX 100"}, "k", "EXPIRE k 200 GT"},
	{[]string{"SET k v"}, "k", "PERSIST k"},
	{[]string{"SET k v"}, "k", "RENAME k k"},
	{[]string{"SET k v", "SET d v"}, "d", "RENAMENX k d"},
	{[]string{"SET k v"}, "d", "RENAME k d"},
	{[]string{"SET k v", "SET d v"}, "d", "COPY k d"},
	{[]string{"SET k v"}, "d", "COPY k d"},
	{nil, "k", "MOVE k 1"},
	{[]string{"HSET h f v"}, "h", "HDEL h missing"},
	{[]string{"HSET h f v"}, "h", "HSETNX h f x"},
	{[]string{"HSET h f v"}, "h", "HSET h f v"},
	{[]string{"HSET h f v"}, "h", "HDEL h f"},
	{[]string{"SADD s a"}, "s", "SREM s nonmember"},
	{[]string{"SADD s a"}, "s", "SADD s a"},
	{[]string{"SADD s a"}, "s", "SADD s b"},
	{nil, "s", "SPOP s"},
	{[]string{"SADD s a", "SADD d a"}, "d", "SMOVE s d a"},
	{[]string{"SADD s a"}, "d", "SINTERSTORE d s nokey"},
	{[]string{"SADD s a", "SADD d x"}, "d", "SINTERSTORE d s nokey"},
	{[]string{"ZADD z 1 a"}, "z", "ZADD z NX 2 a"},
	{[]string{"ZADD z 1 a"}, "z", "ZADD z XX 2 b"},
	{[]string{"ZADD z 1 a"}, "z", "ZADD z 1 a"},
	{[]string{"ZADD z 1 a"}, "z", "ZADD z 2 a"},
	{[]string{"ZADD z 1 a"}, "z", "ZINCRBY z 0 a"},
	{[]string{"ZADD z 1 a"}, "z", "ZREM z b"},
	{[]string{"ZADD z 1 a"}, "z", "ZREMRANGEBYSCORE z 5 6"},
	{nil, "z", "ZPOPMIN z"},
	{nil, "d", "ZUNIONSTORE d 1 nokey"},
	{nil, "d", "ZRANGESTORE d nokey 0 -1"},
	{nil, "l", "LPUSHX l a"},
	{[]string{"RPUSH l a"}, "l", "LPUSHX l b"},
	{[]string{"RPUSH l a"}, "l", "LREM l 0 zz"},
	{[]string{"RPUSH l a"}, "l", "LINSERT l BEFORE zz b"},
	{[]string{"RPUSH l a"}, "l", "LTRIM l 0 -1"},
	{nil, "l", "LPOP l"},
	{nil, "d", "LMOVE nokey d LEFT LEFT"},
	{nil, "d", "SORT nokey STORE d"},
	{[]string{"RPUSH l a"}, "d", "SORT l STORE d"},
	{nil, "st", "XADD st NOMKSTREAM * f v"},
	{[]string{"XADD st 1-1 f v"}, "st", "XDEL st 9-9"},
	{[]string{"XADD st 1-1 f v"}, "st", "XTRIM st MAXLEN 10"},
	{[]string{"XADD st 1-1 f v"}, "st", "XTRIM st MAXLEN 0"},
	{[]string{"XADD st 1-1 f v"}, "st", "XGROUP CREATE st g 0"},
	{nil, "st", "XGROUP CREATE st g $ MKSTREAM"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0"}, "st", "XGROUP SETID st g 1-1"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0"}, "st", "XGROUP CREATECONSUMER st g c"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0", "XGROUP CREATECONSUMER st g c"}, "st", "XGROUP DELCONSUMER st g c"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0"}, "st", "XGROUP DESTROY st g"},
	{[]string{"XADD st 1-1 f v"}, "st", "XSETID st 5-5"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0"}, "st", "XREADGROUP GROUP g c STREAMS st >"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0", "XREADGROUP GROUP g c STREAMS st >"}, "st", "XCLAIM st g c2 0 1-1"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0", "XREADGROUP GROUP g c STREAMS st >"}, "st", "XAUTOCLAIM st g c2 0 0"},
	{[]string{"XADD st 1-1 f v", "XGROUP CREATE st g 0", "XREADGROUP GROUP g c STREAMS st >"}, "st", "XACK st g 1-1"},
	{[]string{"XADD st 1-1 f v"}, "st", "XADD st 2-1 f v"},
	{[]string{"SET k v"}, "k", "FLUSHDB"},
	{nil, "k", "FLUSHDB"},
	{[]string{"SET k v"}, "k", "SWAPDB 0 1"},
	{nil, "k", "SWAPDB 0 1"},
}

// runWatch runs tc on a server through clients a and b, and returns the
// write's reply and EXEC's.
func runWatch(t *testing.T, a, b *respclient.Client, tc watchCase) (write, exec string) {
	t.Helper()
	do(t, a, "FLUSHALL")
	for _, line := range tc.setup {
		do(t, a, strings.Fields(line)...)
	}
	do(t, a, "WATCH", tc.key)
	do(t, a, "MULTI")
	do(t, a, "PING")
	args := strings.Fields(tc.write)
	for i, arg := range args {
		if arg == `""` {
			args[i] = ""
		}
	}
	write = do(t, b, args...)
	return write, do(t, a, "EXEC")
}

// TestWatchUnchangedSideBySide runs watchCases on redis-server and kv
// and wants the same replies: a transaction aborted by the writes that
// change its watched key, or that Redis counts as changing it, and by no
// other.
func TestWatchUnchangedSideBySide(t *testing.T) {
	redis := startRedis(t)
	ts := startServer(t, serverOpts{})
	ra, rb := dialUnix(t, redis), dialUnix(t, redis)
	ka, kb := ts.dial(t), ts.dial(t)
	for _, tc := range watchCases {
		wantWrite, wantExec := runWatch(t, ra, rb, tc)
		haveWrite, haveExec := runWatch(t, ka, kb, tc)
		if haveWrite != wantWrite || haveExec != wantExec {
			t.Errorf("%q, WATCH %s, %s: have %s then EXEC %s; want %s then %s",
				tc.setup, tc.key, tc.write, haveWrite, haveExec, wantWrite, wantExec)
		}
	}
}
