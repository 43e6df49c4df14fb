package server

import "testing"

// bitsScript exercises SETBIT, GETBIT and BITCOUNT, errors included.
var bitsScript = []string{
	"SETBIT b 1 1", "GET b", "SETBIT b 1 1", "SETBIT b 1 0", "GETBIT b 1", "SETBIT b 17 1", "GET b", "STRLEN b",
	"GETBIT b 17", "GETBIT b 16", "GETBIT b 1000", "GETBIT nob 3", "SET i 1", "SETBIT i 6 1", "GET i",
	"SETBIT b 4294967296 1", "SETBIT b -1 1", "SETBIT b 0 2", "SETBIT b 0 -1", "SETBIT b 0 01", "SETBIT b x 1", "GETBIT b -1",
	"GETBIT b x", "LPUSH l a", "SETBIT l 0 1", "GETBIT l 0", "BITCOUNT l",
	"SET s foobar", "BITCOUNT s", "BITCOUNT s 0 0", "BITCOUNT s 1 1", "BITCOUNT s 1 -1", "BITCOUNT s -2 -1", "BITCOUNT s -1 -2",
	"BITCOUNT s 5 30 BIT", "BITCOUNT s 0 -1 BYTE", "BITCOUNT s 0 -1 bit", "BITCOUNT s 0", "BITCOUNT s 0 1 FOO", "BITCOUNT s x 1",
	"BITCOUNT s 0 1 BIT x", "BITCOUNT nos", "BITCOUNT nos x y", "BITCOUNT s 100 200", "BITCOUNT s -100 -90",
}

func TestBitsSideBySide(t *testing.T) { sideBySide(t, bitsScript) }

// SETBIT is journalled as received and replays to the same value.
func TestSetBitReplay(t *testing.T) {
	checkReplay(t, [][]string{{"SETBIT", "b", "1", "1"}, {"SETBIT", "b", "20", "1"}, {"SETBIT", "b", "1", "0"},
		{"SETEX", "e", "1000", "@"}, {"SETBIT", "e", "2", "1"}}, dumpKeys)
}
