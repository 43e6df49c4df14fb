package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5}, 5},
		{[]float64{nan, 7, nan}, 7},
		{[]float64{1, nan, 3}, 2},
	}
	for _, tt := range tests {
		if have := median(tt.in); have != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, have, tt.want)
		}
	}
	if have := median([]float64{nan}); !math.IsNaN(have) {
		t.Errorf("median of nothing = %v, want NaN", have)
	}
}

// TestRatioPairsRounds checks that a ratio is the median of per-round
// ratios, not the ratio of medians: a slow round slows both systems and
// must cancel out.
func TestRatioPairsRounds(t *testing.T) {
	res := newResults(3)
	f := figure{key: "x", name: "x", unit: "req/s"}
	for r, v := range []float64{100, 50, 200} { // round 2 ran on a slow machine
		res.add(f, sysSeam, r, v)
		res.add(f, sysBare, r, v*1.25)
	}
	if have := res.ratio("x", sysSeam, sysBare); math.Abs(have-0.8) > 1e-9 {
		t.Fatalf("ratio = %v, want 0.8", have)
	}
	if have := res.median("x", sysSeam); have != 100 {
		t.Fatalf("median = %v, want 100", have)
	}
	// A round where one system did not run gives no ratio.
	res2 := newResults(2)
	res2.add(f, sysSeam, 0, 10)
	res2.add(f, sysBare, 1, 20)
	if have := res2.ratio("x", sysSeam, sysBare); !math.IsNaN(have) {
		t.Fatalf("ratio without a shared round = %v, want NaN", have)
	}
}

func TestTargets(t *testing.T) {
	res := newResults(1)
	res.add(figure{key: "set_p1", name: "SET"}, sysSeam, 0, 99)
	res.add(figure{key: "set_p1", name: "SET"}, sysBare, 0, 100)
	res.add(figure{key: "set_p1", name: "SET"}, sysRedcon, 0, 90)
	res.add(figure{key: "stop_idle", name: "stop"}, sysSeam, 0, 60)
	want := map[string]bool{"seam/bare ≥ 0.98": true, "seam/redcon ≥ 1.20": false, "≤ 50.0": false}
	for _, tg := range targets() {
		_, met, ok := tg.check(res)
		if !ok {
			continue
		}
		w, known := want[tg.String()]
		if !known {
			t.Errorf("unexpected target %s measured", tg)
			continue
		}
		if met != w {
			t.Errorf("%s on %s: met = %v, want %v", tg, tg.key, met, w)
		}
		delete(want, tg.String())
	}
	if len(want) > 0 {
		t.Errorf("targets not checked: %v", want)
	}
}

func TestWriteTable(t *testing.T) {
	res := newResults(2)
	f := figure{key: "get_p1", name: "GET, 50 conns, pipeline 1", unit: "req/s"}
	res.add(f, sysSeam, 0, 90000)
	res.add(f, sysSeam, 1, 100000)
	res.add(f, sysBare, 0, 100000)
	res.add(f, sysBare, 1, 100000)
	res.add(f, sysRedis, 0, 50000)
	var b bytes.Buffer
	// The floors ran nothing here, so they get no columns.
	writeTable(&b, res, []system{sysSeam, sysBare, sysRedcon, sysRedis, sysFloor, sysSeamFloor})
	want := "| workload | unit | seam | bare net | redcon | redis-server | seam/bare | seam/redcon | seam/redis |\n" +
		"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
		"| GET, 50 conns, pipeline 1 | req/s | 95000 | 100000 | – | 50000 | 0.95 | – | 1.80 |\n"
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	writeTargets(&b, res)
	if !strings.Contains(b.String(), "| seam/bare ≥ 0.98 | GET, 50 conns, pipeline 1 | 0.95 | 0.90–1.00 | **no** |") {
		t.Fatalf("targets:\n%s", b.String())
	}
}

func TestFormatNum(t *testing.T) {
	for v, want := range map[float64]string{123456.7: "123457", 123.4: "123", 12.34: "12.3", 1.234: "1.23", math.NaN(): "–"} {
		if have := formatNum(v); have != want {
			t.Errorf("formatNum(%v) = %q, want %q", v, have, want)
		}
	}
	if have := thousands(10000); have != "10,000" {
		t.Errorf("thousands(10000) = %q", have)
	}
}

// TestWriteTableFloors checks the floors' ratio column and the seam/floor
// targets on both memory cases.
func TestWriteTableFloors(t *testing.T) {
	res := newResults(1)
	for _, c := range []memCase{caseConnected, caseIdle} {
		f := memFigures(c, 100, 0)[0]
		for sys, v := range map[system]float64{sysSeam: 12, sysBare: 11, sysFloor: 4, sysSeamFloor: 6} {
			res.add(f, sys, 0, v)
		}
	}
	var b bytes.Buffer
	writeTable(&b, res, []system{sysSeam, sysBare, sysFloor, sysSeamFloor})
	if !strings.Contains(b.String(), "| seam/bare | seam/floor | seam/seamfloor | seamfloor/floor |\n") ||
		!strings.Contains(b.String(), "| 12.0 | 11.0 | 4.00 | 6.00 | 1.09 | 3.00 | 2.00 | 1.50 |\n") {
		t.Fatalf("table:\n%s", b.String())
	}
	b.Reset()
	writeTargets(&b, res)
	if n := strings.Count(b.String(), "| seam/floor ≤ 1.15 | resident memory per connection ("); n != 2 {
		t.Fatalf("%d seam/floor targets, want 2:\n%s", n, b.String())
	}
}
