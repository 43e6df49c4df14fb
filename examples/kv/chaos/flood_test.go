package main

import (
	"strconv"
	"strings"
	"testing"
)

// netstatField reads a counter from the pairs of lines of
// /proc/net/netstat, and only from the group it is asked for.
func TestNetstatField(t *testing.T) {
	text := "TcpExt: SyncookiesSent ListenOverflows ListenDrops\n" +
		"TcpExt: 0 17 19\n" +
		"IpExt: InNoRoutes ListenOverflows\n" +
		"IpExt: 3 99\n"
	for _, tc := range []struct {
		group, field string
		want         int64
		ok           bool
	}{
		{"TcpExt", "ListenOverflows", 17, true},
		{"TcpExt", "ListenDrops", 19, true},
		{"IpExt", "ListenOverflows", 99, true},
		{"TcpExt", "InNoRoutes", 0, false},
		{"MPTcpExt", "ListenOverflows", 0, false},
	} {
		have, ok := netstatField([]byte(text), tc.group, tc.field)
		if have != tc.want || ok != tc.ok {
			t.Errorf("%s %s = %d, %v; want %d, %v", tc.group, tc.field, have, ok, tc.want, tc.ok)
		}
	}
	for _, bad := range []string{
		"TcpExt: ListenOverflows\nTcpExt: many\n",          // not a number
		"TcpExt: ListenOverflows ListenDrops\nTcpExt: 1\n", // values missing
		"TcpExt: ListenOverflows\n",                        // no line of values
		"TcpExt: ListenOverflows\nIpExt: 5\n",              // values of another group
	} {
		if n, ok := netstatField([]byte(bad), "TcpExt", "ListenOverflows"); ok {
			t.Errorf("%q read as %d", bad, n)
		}
	}
}

// Whatever the text, netstatField does not panic, and a value it reads is
// one the text holds, under the field's name.
func FuzzNetstatField(f *testing.F) {
	f.Add([]byte("TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 0 8\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := netstatField(b, "TcpExt", "ListenOverflows")
		if !ok {
			return
		}
		text := string(b)
		if !strings.Contains(text, "ListenOverflows") || !strings.Contains(text, strconv.FormatInt(n, 10)) {
			t.Fatalf("read %d from %q", n, text)
		}
	})
}
