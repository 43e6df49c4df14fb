package server

import (
	"testing"
)

// stringOpsScript exercises GETEX, PSETEX, GETRANGE, SETRANGE,
// INCRBYFLOAT and FUNCTION FLUSH, errors included.
var stringOpsScript = []string{
	"SET s hello", "GETEX s", "TTL s", "GETEX s EX 100", "TTL s", "GETEX s PERSIST", "TTL s",
	"GETEX s PX 100000", "TTL s", "GETEX s EXAT 99999999999", "TTL s", "GETEX s PERSIST", "TTL s",
	"GETEX s PXAT 1", "EXISTS s", "GETEX nos EX 10", "GETEX s EX 0", "SET s hello", "GETEX s EX 0", "GETEX s EX -1", "GETEX s EX x",
	"SET s hello", "GETEX s EX 10 PX 10", "GETEX s PERSIST EX 10", "GETEX s FOO", "GETEX s EX",
	"LPUSH l a", "GETEX l", "GETEX l EX 10", "GETEX l EX 0", "GETEX l PERSIST",
	"PSETEX p 100000 v", "TTL p", "GET p", "PSETEX p 0 v", "PSETEX p -5 v", "PSETEX p x v", "PSETEX l 1000 v", "TYPE l",
	"SET r 'Hello World'", "SET r HelloWorld", "GETRANGE r 0 4", "GETRANGE r -3 -1", "GETRANGE r 0 -1",
	"GETRANGE r 5 3", "GETRANGE r -1 -5", "GETRANGE r -100 100", "GETRANGE r 100 200", "GETRANGE nor 0 -1",
	"GETRANGE r x 1", "GETRANGE l 0 1", "SET e ''", "GETRANGE r 0 0", "GETRANGE r -1 -1",
	"SETRANGE r 5 Redis", "GET r", "SETRANGE r 12 tail", "GET r", "SETRANGE nr 3 abc", "GET nr",
	"SETRANGE nr2 3 ''", "EXISTS nr2", "SETRANGE r 1 ''", "SETRANGE r -1 x", "SETRANGE r x y",
	"SETRANGE r 536870911 xx", "SETRANGE r 9223372036854775807 x", "SETRANGE l 0 x",
	"INCRBYFLOAT f 10.5", "INCRBYFLOAT f 0.25", "INCRBYFLOAT f -5", "INCRBYFLOAT f 5.5e3", "GET f",
	"INCRBYFLOAT f x", "INCRBYFLOAT f nan", "INCRBYFLOAT f +inf", "INCRBYFLOAT f -inf",
	"SET fs 'a'", "SET fs abc", "INCRBYFLOAT fs 1", "SET fi 3", "INCRBYFLOAT fi 2", "INCRBYFLOAT l 1",
	"SET fe 1.5e1", "INCRBYFLOAT fe 1", "SETEX fx 100 1", "INCRBYFLOAT fx 1", "TTL fx",
	"FUNCTION FLUSH", "FUNCTION FLUSH ASYNC", "FUNCTION FLUSH sync", "FUNCTION FLUSH x", "FUNCTION FOO",
}

func TestStringOpsSideBySide(t *testing.T) { sideBySide(t, stringOpsScript) }

// TestStringOpsReplay writes through GETEX, PSETEX, SETRANGE and
// INCRBYFLOAT with an append-only file, restarts from it and wants the same
// keyspace: each is journalled in a form that replays to its result.
func TestStringOpsReplay(t *testing.T) {
	writes := [][]string{
		{"SET", "g", "v"}, {"GETEX", "g", "EX", "1000"}, {"SETEX", "gp", "1000", "v"}, {"GETEX", "gp", "PERSIST"},
		{"SET", "gd", "v"}, {"GETEX", "gd", "PXAT", "1"}, {"PSETEX", "p", "1000000", "v"},
		{"SETRANGE", "r", "3", "abc"}, {"SETRANGE", "r", "1", "x"},
		{"INCRBYFLOAT", "f", "10.5"}, {"INCRBYFLOAT", "f", "0.1"}, {"SETEX", "fx", "1000", "2"}, {"INCRBYFLOAT", "fx", "0.5"},
	}
	checkReplay(t, writes, dumpKeys)
}

func TestStringRange(t *testing.T) {
	v := []byte("Hello World")
	for _, tc := range []struct {
		start, end int64
		want       string
	}{
		{0, 4, "Hello"}, {-5, -1, "World"}, {0, -1, "Hello World"}, {5, 3, ""}, {-1, -5, ""},
		{-100, 100, "Hello World"}, {100, 200, ""}, {10, 10, "d"},
	} {
		if got := string(stringRange(v, tc.start, tc.end)); got != tc.want {
			t.Errorf("stringRange(%d, %d) = %q, want %q", tc.start, tc.end, got, tc.want)
		}
	}
	if got := stringRange(nil, 0, -1); len(got) != 0 {
		t.Errorf("empty value: %q", got)
	}
}
