package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// The group starts the listener only once the AOF is loaded: when it
// binds, every key of the file is in the store, so no client sees a
// keyspace half rebuilt.
func TestAOFLoadedBeforeListening(t *testing.T) {
	t.Parallel()
	const keys = 2000
	cfg, _ := testConfig(t, t.TempDir())
	var data []byte
	for i := range keys {
		data = resp.AppendCommand(data, []byte("SET"), fmt.Appendf(nil, "k%d", i), []byte("v"))
	}
	if err := os.WriteFile(cfg.aofPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a := build(t, cfg)
	atBind := -1
	a.listener.Bind = func(network, address string) (net.Listener, error) {
		atBind = a.store.Len()
		return net.Listen(network, address)
	}
	r := serve(t, a)
	r.ready(t)
	if atBind != keys {
		t.Fatalf("%d keys in the store when the listener bound, want all %d", atBind, keys)
	}
	if have := do(t, dial(t, r.addr), "DBSIZE"); have != fmt.Sprintf("(integer) %d", keys) {
		t.Fatalf("DBSIZE = %s", have)
	}
}

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
