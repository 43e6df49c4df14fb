package server

import (
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// fuzzArgs fuzzes a parser of a command's arguments from seeds: check
// gets each line of at least min words split into the arguments, and a
// conn of a Handler over an empty store whose replies the parser writes
// to. Shorter lines are skipped.
func fuzzArgs(f *testing.F, seeds []string, min int, check func(t *testing.T, line string, args [][]byte, c *conn)) {
	for _, seed := range seeds {
		f.Add(seed)
	}
	h := New(Config{Store: store.New(nil)})
	f.Fuzz(func(t *testing.T, line string) {
		words := strings.Fields(line)
		if len(words) < min {
			return
		}
		args := make([][]byte, len(words))
		for i, w := range words {
			args[i] = []byte(w)
		}
		check(t, line, args, &conn{h: h, w: resp.NewWriter(nil)})
	})
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
