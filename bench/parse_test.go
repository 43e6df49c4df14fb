package main

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseRedisBenchmarkCSV(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","49504.95","0.526","0.144","0.511","0.623","0.951","3.519"
"GET","50377.83","0.510","0.144","0.503","0.607","0.887","1.751"
`
	for test, want := range map[string]float64{"SET": 49504.95, "GET": 50377.83, "get": 50377.83} {
		have, err := parseRedisBenchmarkCSV(strings.NewReader(out), test)
		if err != nil || have != want {
			t.Errorf("%s: %v, %v; want %v", test, have, err, want)
		}
	}
	// Versions before 6 print rows without a header.
	if have, err := parseRedisBenchmarkCSV(strings.NewReader(`"PING_INLINE","1000.00"`+"\n"), "PING_INLINE"); err != nil || have != 1000 {
		t.Errorf("headerless: %v, %v", have, err)
	}
	if _, err := parseRedisBenchmarkCSV(strings.NewReader(out), "INCR"); !errors.Is(err, errNoResult) {
		t.Errorf("missing test: err = %v, want errNoResult", err)
	}
}

func TestParseReply(t *testing.T) {
	m, err := parseReply("stopped serve_ns=1234 drain_ns=-1 handlers=10")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := num(m, "serve_ns"); err != nil || v != 1234 {
		t.Errorf("serve_ns = %v, %v", v, err)
	}
	if v, err := num(m, "drain_ns"); err != nil || v != -1 {
		t.Errorf("drain_ns = %v, %v", v, err)
	}
	if _, err := num(m, "absent"); err == nil {
		t.Error("num of an absent field did not fail")
	}
	if _, err := parseReply("error fault not supported"); !errors.Is(err, errReply) {
		t.Errorf("error line: err = %v, want errReply", err)
	}
}

func TestParseKiB(t *testing.T) {
	if have, err := parseKiB("\t  123456 kB"); err != nil || have != 123456 {
		t.Fatalf("parseKiB = %v, %v", have, err)
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-quick", "-idle", "500", "-systems", "redis", "-pipelines", "1,8", "-fanout-pipelines", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.rounds != 2 || c.idle != 500 || c.busy != 200 {
		t.Errorf("quick with -idle 500: rounds %d idle %d busy %d; want 2, 500, 200", c.rounds, c.idle, c.busy)
	}
	if want := []system{sysSeam, sysBare, sysRedis}; !slices.Equal(c.systems, want) {
		t.Errorf("systems = %v, want %v: seam and bare always run", c.systems, want)
	}
	if len(c.pipelines) != 2 || c.pipelines[1] != 8 {
		t.Errorf("pipelines = %v", c.pipelines)
	}
	if !slices.Equal(c.fanoutPipelines, []int{4}) || c.messages != 2_000 || c.subscribers != 100 {
		t.Errorf("fan-out: pipelines %v messages %d subscribers %d", c.fanoutPipelines, c.messages, c.subscribers)
	}
	for _, bad := range [][]string{
		{"-workloads", "nap"}, {"-systems", "memcached"}, {"-pipelines", "0"}, {"-loadgen", "wrk"}, {"-rounds", "0"},
		{"-fanout-pipelines", "x"}, {"-subscribers", "0"}, {"-scale-counts", "0"}, {"-scale-counts", "lots"},
		{"-scale-counts", ""}, {"-idle-wait", "-1s"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestParseCounts(t *testing.T) {
	have, err := parseCounts("5000, max,1_000")
	if want := []int{5000, scaleMax, 1000}; err != nil || !slices.Equal(have, want) {
		t.Fatalf("parseCounts = %v, %v; want %v", have, err, want)
	}
}

// TestSeamFits pins the mirror of the listener's descriptor reserve at
// this machine's hard limit: 20,000 less 64 and a sixteenth.
func TestSeamFits(t *testing.T) {
	for limit, want := range map[uint64]int{20_000: 18_686, 1024: 896, 64: 32} {
		if have := seamFits(limit); have != want {
			t.Errorf("seamFits(%d) = %d, want %d", limit, have, want)
		}
	}
}

func TestResolveScale(t *testing.T) {
	hard, err := hardFileLimit()
	if err != nil {
		t.Skip(err)
	}
	have, err := resolveScale([]int{scaleMax, 10, 10})
	if err != nil {
		t.Skip(err) // a limit too small for any count; nothing to check
	}
	if len(have) != 2 || have[0] != 10 {
		t.Fatalf("resolveScale = %v, want [10 max] sorted and once each", have)
	}
	if most := have[1]; most > scaleCap || uint64(most) > hard-fileMargin || most > seamFits(hard) {
		t.Errorf("max resolved to %d under hard limit %d", most, hard)
	}
}
