package server

import (
	"path/filepath"
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
}

func TestKeyOpsSideBySide(t *testing.T) { sideBySide(t, keyOpsScript) }

// MSETNX and RENAMENX are journalled as the MSET and RENAME they did, and
// replay to the same keyspace.
func TestKeyOpsReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyops.aof")
	writes := [][]string{
		{"MSETNX", "a", "1", "b", "2"}, {"MSETNX", "b", "3", "c", "4"}, {"SET", "n", "v"}, {"RENAMENX", "n", "m"},
		{"SET", "x", "1"}, {"RENAMENX", "x", "a"}, {"SELECT", "4"}, {"MSETNX", "a", "4"}, {"RENAMENX", "a", "b"},
	}
	var before string
	for round := range 2 {
		w, err := aof.New(aof.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		ts := startServer(t, serverOpts{aof: w})
		c := ts.dial(t)
		if round == 0 {
			for _, args := range writes {
				if v, err := c.Do(args...); err != nil || v.Err() != nil {
					t.Fatalf("%q: %v %v", args, v, err)
				}
			}
			before = dumpDBs(t, c)
		} else if after := dumpDBs(t, c); after != before {
			t.Fatalf("after replay:\n%s\nbefore:\n%s", after, before)
		}
		ts.stop()
	}
}
