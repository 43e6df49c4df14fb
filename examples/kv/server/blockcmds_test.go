package server

import (
	"strings"
	"testing"
)

// FuzzBlockingArgs feeds the parsers of the blocking commands' arguments
// (LMPOP and ZMPOP's numkeys, where and COUNT; a timeout) with any words:
// each either accepts them, writing nothing, with its keys among the
// arguments and a count of at least 1, or answers one error. The corpus
// in testdata runs in every test pass.
func FuzzBlockingArgs(f *testing.F) {
	fuzzArgs(f, []string{
		"LMPOP 2 a b LEFT COUNT 3", "BLMPOP 0.5 1 a RIGHT", "ZMPOP 1 z MIN", "BZMPOP 0 1 z MAX COUNT 1",
		"LMPOP 9223372036854775807 a LEFT", "LMPOP 1 a LEFT COUNT 1 COUNT 2", "BLPOP k 1e400", "BLPOP k -0", "BLPOP k 0x10",
	}, 3, func(t *testing.T, line string, args [][]byte, c *conn) {
		for _, lists := range []bool{true, false} {
			for _, at := range []int{1, 2} {
				c.w.Discard()
				m, ok := c.parseMPop(args, at, lists)
				checkParsed(t, c, line, ok)
				if ok && (m.count < 1 || len(m.keys) == 0 || len(m.keys) > len(args)-at-2) {
					t.Fatalf("%q: %d keys, count %d", line, len(m.keys), m.count)
				}
			}
		}
		c.w.Discard()
		timeout := args[len(args)-1]
		d, ok := c.parseTimeout(timeout)
		switch {
		case ok && (d < 0 || c.w.Buffered() != 0):
			t.Fatalf("timeout %q: %v, %q", timeout, d, c.w.Bytes())
		case !ok && !strings.HasPrefix(string(c.w.Bytes()), "-ERR timeout is "):
			t.Fatalf("timeout %q refused with %q", timeout, c.w.Bytes())
		}
	})
}
