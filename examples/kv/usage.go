package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// about is what kv -h says before its flags: what kv is and how to stop
// it, for someone who has just built it.
const about = `kv is a Redis-protocol key-value server built on seam: redis-cli,
redis-benchmark and Redis client libraries work against it unchanged. It
keeps its data in memory and every acknowledged write in an append-only
file (-aof), which it replays at start, answering -LOADING meanwhile as
redis-server does. Its listener, append-only file and expiry sweep run as
services of one supervision tree.
SIGINT (Ctrl-C) or SIGTERM to kv's own process stops it gracefully: it
drains its connections, flushes the append-only file and exits 0; a second
signal ends it at once. Under "go run", stop it with Ctrl-C, which reaches
kv itself, or build it and signal the binary.

Usage: kv [flags]

Flags:
`

// usage writes kv's -h: the description, then every flag of fs with its
// default, the empty and zero defaults included, which the flag package's
// own PrintDefaults leaves out.
func usage(w io.Writer, fs *flag.FlagSet) {
	io.WriteString(w, about)
	fs.VisitAll(func(f *flag.Flag) {
		kind, text := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if kind != "" {
			line += " " + kind
		}
		def := f.DefValue
		if fmt.Sprintf("%T", f.Value) == "*flag.stringValue" { // as PrintDefaults quotes it
			def = fmt.Sprintf("%q", def)
		}
		fmt.Fprintf(w, "%s\n    \t%s (default %s)\n", line, strings.ReplaceAll(text, "\n", "\n    \t"), def)
	})
}
