package server

import (
	"strings"
	"testing"
)

// restoreErrorsScript is RESTORE's refusals, in Redis's order of checks.
const restoreErrorsScript = "SET k v\r\nRESTORE k 0 garbage\r\nRESTORE k -1 garbage\r\nRESTORE k x garbage\r\n" +
	"RESTORE nk 0 garbage\r\nRESTORE nk 0 garbage FOO\r\nRESTORE nk 0 garbage IDLETIME -1\r\nRESTORE nk 0 garbage FREQ 300\r\n" +
	"RESTORE nk -5 garbage REPLACE\r\nRESTORE nk x garbage REPLACE\r\nDUMP nokey\r\nRESTORE nk\r\n"

// TestRestoreErrorsAgainstRedis wants RESTORE's errors byte for byte as
// redis-server 7 sends them (the payloads themselves differ: kv's is its
// own).
func TestRestoreErrorsAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, restoreErrorsScript, "-BUSYKEY Target key name already exists.\r\n")
}

// TestDumpRestoreCommands moves a value of each kind with DUMP and
// RESTORE, with REPLACE, a TTL and ABSTTL, and an expiry already past.
func TestDumpRestoreCommands(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, cmd := range [][]string{
		{"SET", "s", "v"}, {"RPUSH", "l", "a", "b"}, {"SADD", "set", "m"}, {"HSET", "h", "f", "v"}, {"ZADD", "z", "2.5", "m"},
	} {
		do(t, c, cmd...)
		key := cmd[1]
		v, err := c.Do("DUMP", key)
		if err != nil || v.Kind != '$' || v.Null {
			t.Fatalf("DUMP %s: %v %v", key, v, err)
		}
		if have := do(t, c, "RESTORE", key+"2", "0", v.Str); have != `"OK"` {
			t.Fatalf("RESTORE %s: %s", key, have)
		}
		if a, b := do(t, c, "TYPE", key), do(t, c, "TYPE", key+"2"); a != b {
			t.Errorf("%s is a %s, restored a %s", key, a, b)
		}
		if have := do(t, c, "RESTORE", key+"2", "0", v.Str); !strings.HasPrefix(have, "(error) BUSYKEY") {
			t.Errorf("RESTORE onto a key: %s", have)
		}
		if have := do(t, c, "RESTORE", key+"2", "100000", v.Str, "REPLACE"); have != `"OK"` {
			t.Errorf("RESTORE REPLACE with a TTL: %s", have)
		}
		if have := do(t, c, "PTTL", key+"2"); have == "(integer) -1" || have == "(integer) -2" {
			t.Errorf("PTTL after RESTORE with a TTL: %s", have)
		}
		if have := do(t, c, "RESTORE", key+"2", "1", v.Str, "REPLACE", "ABSTTL"); have != `"OK"` {
			t.Errorf("RESTORE with an expiry past: %s", have)
		}
		if have := do(t, c, "EXISTS", key+"2"); have != "(integer) 0" {
			t.Errorf("the key restored with an expiry past exists: %s", have)
		}
	}
	if have := do(t, c, "ZSCORE", "z", "m"); have != `"2.5"` {
		t.Errorf("ZSCORE: %s", have)
	}
}

// TestDumpRestoreReplay: RESTORE is journalled with its expiry made
// absolute, and a restart from the file has the restored keys.
func TestDumpRestoreReplay(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "HSET", "h", "f", "v", "g", "w")
	do(t, c, "RPUSH", "l", "x", "y")
	h, _ := c.Do("DUMP", "h")
	l, _ := c.Do("DUMP", "l")
	checkReplay(t, [][]string{
		{"RESTORE", "h", "0", h.Str}, {"RESTORE", "l", "100000000", l.Str}, {"RESTORE", "h", "0", l.Str, "REPLACE"},
	}, dumpKeys)
}
