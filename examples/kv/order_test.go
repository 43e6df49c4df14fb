package main

import (
	"strings"
	"testing"
)

// The group stops its children in reverse order: the listener (its
// connections drained), then the sweep, and the AOF last, so its final
// flush comes after the last reply a client was sent.
func TestStopOrder(t *testing.T) {
	t.Parallel()
	cfg, logs := testConfig(t, t.TempDir())
	r := start(t, cfg)
	do(t, dial(t, r.addr), "SET", "k", "v")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	order := []string{
		`stopped listener="listener kv"`,
		"periodic stopped service=expire",
		"append-only file flushed, synced and closed",
	}
	have := logs.String()
	at := -1
	for _, line := range order {
		i := strings.Index(have, line)
		if i < 0 || i < at {
			t.Fatalf("stop not in the order %q:\n%s", order, have)
		}
		at = i
	}
}
