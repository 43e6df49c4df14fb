package server

import (
	"strings"
	"testing"
)

// While the store loads, a command runs only if Redis 7.0 flags it
// CMD_LOADING; the others are answered -LOADING, after the checks Redis
// makes first (arity, the subscribed context). Once loaded, all run.
func TestRefusedWhileLoading(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.store.SetLoading(true)
	c := ts.dial(t)
	for _, tc := range []struct {
		cmd  []string
		want string // a prefix of the reply
	}{
		{[]string{"GET", "k"}, "(error) LOADING Redis is loading the dataset in memory"},
		{[]string{"PING"}, "(error) LOADING "},
		{[]string{"SET", "k", "v"}, "(error) LOADING "},
		{[]string{"DBSIZE"}, "(error) LOADING "},
		{[]string{"KEYS", "*"}, "(error) LOADING "},
		{[]string{"MEMORY", "USAGE", "k"}, "(error) LOADING "},
		{[]string{"GET"}, "(error) ERR wrong number of arguments"},
		{[]string{"ECHO", "hi"}, `"hi"`},
		{[]string{"TIME"}, "["},
		{[]string{"CLIENT", "SETNAME", "loader"}, `"OK"`},
		{[]string{"CONFIG", "GET", "maxclients"}, "["},
		{[]string{"COMMAND", "COUNT"}, "(integer) "},
		{[]string{"SELECT", "0"}, `"OK"`},
		{[]string{"MEMORY", "HELP"}, "["},
		{[]string{"PUBLISH", "ch", "m"}, "(error) ERR pub/sub is not enabled"}, // run, not refused
	} {
		v, err := c.Do(tc.cmd...)
		if err != nil {
			t.Fatalf("%q: %v", tc.cmd, err)
		}
		if !strings.HasPrefix(v.String(), tc.want) {
			t.Errorf("%q while loading: %s, want %s...", tc.cmd, v, tc.want)
		}
	}
	if v, _ := c.Do("INFO", "persistence"); !strings.Contains(v.Str, "loading:1\r\n") {
		t.Errorf("INFO persistence while loading:\n%s", v.Str)
	}
	ts.store.SetLoading(false)
	for _, cmd := range [][]string{{"PING"}, {"SET", "k", "v"}, {"GET", "k"}} {
		if v, err := c.Do(cmd...); err != nil || v.Err() != nil {
			t.Errorf("%q once loaded: %s, %v", cmd, v, err)
		}
	}
	if v, _ := c.Do("INFO", "persistence"); !strings.Contains(v.Str, "loading:0\r\n") {
		t.Errorf("INFO persistence once loaded:\n%s", v.Str)
	}
}
