package server

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// statsScript calls, fails and rejects commands, and asks for the counts.
const statsScript = "SET a 1\r\nGET a\r\nGET\r\nHSET a f v\r\nNOSUCH\r\nINCR a\r\nGET a b\r\n" +
	"INFO commandstats\r\nINFO errorstats\r\nCONFIG RESETSTAT\r\nGET a\r\nINFO commandstats\r\nINFO errorstats\r\n"

// statsLines are the cmdstat_ and errorstat_ lines of a transcript of
// statsScript, sorted within each reply (Redis lists its commands in no
// order), and with the times taken out.
func statsLines(t *testing.T, transcript string) []string {
	t.Helper()
	usec := regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+`)
	var out []string
	for _, reply := range strings.Split(transcript, "# ")[1:] {
		var lines []string
		for _, l := range strings.Split(reply, "\r\n") {
			if strings.HasPrefix(l, "cmdstat_") || strings.HasPrefix(l, "errorstat_") {
				lines = append(lines, usec.ReplaceAllString(l, "usec=?"))
			}
		}
		slices.Sort(lines)
		out = append(out, strings.SplitN(reply, "\r\n", 2)[0])
		out = append(out, lines...)
	}
	return out
}

// TestCommandStatsAgainstRedis counts calls, failed calls (an error
// reply from the command) and rejected calls (refused before it ran) per
// command, and error replies per code, as redis-server 7 does; CONFIG
// RESETSTAT starts them again.
func TestCommandStatsAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	have := statsLines(t, transcript(t, ts.addr, statsScript))
	for _, want := range []string{
		"cmdstat_get:calls=1,usec=?,rejected_calls=2,failed_calls=0",
		"cmdstat_hset:calls=1,usec=?,rejected_calls=0,failed_calls=1",
		"errorstat_ERR:count=3",
		"errorstat_WRONGTYPE:count=1",
	} {
		if !slices.Contains(have, want) {
			t.Errorf("no line %q in\n%s", want, strings.Join(have, "\n"))
		}
	}
	redis := startRedisTCP(t)
	if want := statsLines(t, transcript(t, redis, statsScript)); !slices.Equal(have, want) {
		t.Fatalf("kv and redis-server differ.\nkv:\n%s\nredis-server:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
}

// TestInfoSections: default leaves commandstats out, all and everything
// and its own name bring it; cpu and replication are in the default.
func TestInfoSections(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	do(t, c, "PING")
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"INFO"}, []string{"# CPU", "used_cpu_user:", "# Replication", "role:master", "connected_slaves:0", "master_repl_offset:", "# Errorstats"}, []string{"# Commandstats"}},
		{[]string{"INFO", "default"}, []string{"used_cpu_user_children:", "used_memory"}, []string{"rejected_calls"}},
		{[]string{"INFO", "all"}, []string{"rejected_calls", "used_cpu_user:", "master_repl_offset"}, nil},
		{[]string{"INFO", "everything"}, []string{"cmdstat_ping:calls=1,"}, nil},
		{[]string{"INFO", "commandSTATS"}, []string{"cmdstat_ping:calls=1,"}, []string{"used_memory", "used_cpu"}},
		{[]string{"INFO", "cpu", "default"}, []string{"used_cpu_sys:"}, []string{"rejected_calls"}},
	} {
		have := do(t, c, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(have, w) {
				t.Errorf("%q lacks %q", tc.args, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(have, n) {
				t.Errorf("%q has %q", tc.args, n)
			}
		}
		if strings.Count(have, "used_cpu_user_children") > 1 {
			t.Errorf("%q has the cpu section twice", tc.args)
		}
	}
}
