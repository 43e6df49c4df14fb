package server

import (
	"testing"

	"github.com/seamgo/seam/examples/kv/aof"
)

// keyOpsScript exercises MSETNX, RENAMENX, EXPIRETIME and PEXPIRETIME.
var keyOpsScript = []string{
	"MSETNX a 1 b 2", "MGET a b", "MSETNX b 3 c 4", "MGET b c", "MSETNX c 5 c 6", "GET c", "MSETNX a", "MSETNX a 1 b",
	"LPUSH l x", "MSETNX l 1 d 2", "EXISTS d",
	"RENAMENX a z", "EXISTS a", "GET z", "RENAMENX z b", "GET z", "RENAMENX z z", "RENAMENX nokey y", "RENAMENX l l2", "TYPE l2",
	"EXPIRETIME z", "PEXPIRETIME z", "EXPIRETIME nokey", "PEXPIRETIME nokey",
	"EXPIREAT z 99999999999", "EXPIRETIME z", "PEXPIREAT z 99999999999123", "PEXPIRETIME z", "EXPIRETIME z",
	"SET ex v EXAT 99999999999", "RENAMENX ex ex2", "EXPIRETIME ex2",
	"COPY ex2 c1", "GET c1", "EXPIRETIME c1", "COPY ex2 c1", "COPY ex2 c1 REPLACE", "COPY ex2 ex2", "COPY nokey c2",
	"COPY l2 l3", "LRANGE l3 0 -1", "LPUSH l3 y", "LRANGE l2 0 -1", "COPY ex2 c1 DB 3", "COPY ex2 ex2 DB 3",
	"COPY ex2 c1 DB 3", "COPY ex2 c1 DB 16", "COPY ex2 c1 DB x", "COPY ex2 c1 FOO", "COPY ex2 c1 DB",
	"SELECT 3", "GET c1", "GET ex2", "SELECT 0",
	"SADD s a b", "COPY s s2", "SREM s2 a", "SCARD s", "HSET h f v", "COPY h h2", "HGETALL h2",
	"ZADD z 1 a", "COPY z z2", "ZADD z2 2 b", "ZCARD z", "SET ap abc", "COPY ap ap2", "APPEND ap x", "APPEND ap2 y", "MGET ap ap2",
}

func TestKeyOpsSideBySide(t *testing.T) { sideBySide(t, keyOpsScript) }

// MSETNX and RENAMENX are journalled as the MSET and RENAME they did, and
// replay to the same keyspace.
func TestKeyOpsReplay(t *testing.T) {
	writes := [][]string{
		{"MSETNX", "a", "1", "b", "2"}, {"MSETNX", "b", "3", "c", "4"}, {"SET", "n", "v"}, {"RENAMENX", "n", "m"},
		{"SET", "x", "1"}, {"RENAMENX", "x", "a"}, {"SELECT", "4"}, {"MSETNX", "a", "4"}, {"RENAMENX", "a", "b"},
		{"COPY", "b", "b2"}, {"COPY", "b", "b", "DB", "7"}, {"RPUSH", "l", "x"}, {"COPY", "l", "l", "DB", "0", "REPLACE"},
	}
	checkReplay(t, writes, dumpDBs)
}

// finishHook is a rewrite's sink that runs a function just before Finish:
// after every shard is dumped, so that a write then reaches the tail.
type finishHook struct {
	*aof.RewriteSink
	before func()
}

func (f finishHook) Finish() error {
	f.before()
	return f.RewriteSink.Finish()
}

// A COPY made while a rewrite runs, into a database already dumped,
// reaches the new file through the rewrite's tail, in its database.
func TestCopyDuringRewrite(t *testing.T) {
	checkRewriteReplay(t, [][]string{{"SET", "k", "v"}, {"RPUSH", "l", "a", "b"}}, [][]string{
		{"COPY", "k", "k3", "DB", "3"}, {"COPY", "l", "l2"}, {"SET", "after", "copy"}, // in database 0 again
	})
}

// checkRewriteReplay makes the writes of setup, rewrites the file and
// makes those of during just before the rewrite's Finish (see
// replayCheck), and wants the same keyspace, every database, after a
// replay of the new file.
func checkRewriteReplay(t *testing.T, setup, during [][]string) {
	t.Helper()
	replayCheck(t, setup, during, dumpDBs)
}
