package server

import (
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// fuzzArgs splits a fuzzed line into a command's arguments, with a conn
// of h's whose replies the parsers under test write to. It reports false
// for a line of fewer than min words, which the fuzzers skip.
func fuzzArgs(h *Handler, line string, min int) ([][]byte, *conn, bool) {
	words := strings.Fields(line)
	if len(words) < min {
		return nil, nil, false
	}
	args := make([][]byte, len(words))
	for i, w := range words {
		args[i] = []byte(w)
	}
	return args, &conn{h: h, w: resp.NewWriter(nil)}, true
}

// checkParsed fails the test unless a parser of line that accepted it
// (ok) wrote nothing, and one that refused it wrote an error.
func checkParsed(t *testing.T, c *conn, line string, ok bool) {
	t.Helper()
	switch {
	case ok && c.w.Buffered() != 0:
		t.Fatalf("%q accepted with a reply written", line)
	case !ok && !strings.HasPrefix(string(c.w.Bytes()), "-ERR "):
		t.Fatalf("%q refused with %q", line, c.w.Bytes())
	}
}
