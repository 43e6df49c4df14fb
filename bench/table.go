package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// A target is a bar the issue sets for seam: a ratio to another system
// measured in the same run, or, for the stop figures, an absolute bound.
type target struct {
	key    string  // the figure it applies to
	vs     system  // compare with this system's value in the same round; "" for an absolute bound on seam's median
	bound  float64 // the ratio, or the bound in the figure's unit
	atMost bool    // the value must be at most bound (else at least)
}

// targets are the issue's: throughput at least 0.98 × bare and 1.2 ×
// redcon, churn at least 0.95 × bare, memory per idle connection at most
// 1.15 × bare and at most 1.15 × the Go floor (connected with nothing
// sent, and idle after a PING), a graceful stop of 10,000 idle connections under 50 ms and a
// drain completion under 1 ms; pub/sub fan-out at least 0.8 ×
// redis-server; and over TLS, throughput and new connections at least
// 0.9 × redis-server.
func targets() []target {
	var ts []target
	for _, k := range []string{"set_p1", "get_p1", "set_p32", "get_p32"} {
		ts = append(ts, target{key: k, vs: sysBare, bound: 0.98}, target{key: k, vs: sysRedcon, bound: 1.2})
	}
	for _, k := range []string{"set_p32", "get_p32"} {
		ts = append(ts, target{key: k, vs: sysBefore, bound: 0.98})
	}
	// Hibernation: waking costs little (pipeline 1 at least 0.95 × with
	// it off, pipelined unchanged at 0.98 ×), and the first reply after
	// a wake comes within 1 ms at p99 (wake.go).
	for _, k := range []string{"set_p1", "get_p1"} {
		ts = append(ts, target{key: k, vs: sysSeamNoHib, bound: 0.95})
	}
	for _, k := range []string{"set_p32", "get_p32"} {
		ts = append(ts, target{key: k, vs: sysSeamNoHib, bound: 0.98})
	}
	return append(ts,
		target{key: "churn", vs: sysBare, bound: 1.0},
		target{key: "rss_conn", vs: sysBare, bound: 1.15, atMost: true},
		target{key: "heap_conn", vs: sysBare, bound: 1.15, atMost: true},
		target{key: "rss_connected", vs: sysFloor, bound: 1.15, atMost: true},
		target{key: "rss_conn", vs: sysFloor, bound: 1.15, atMost: true},
		target{key: "stop_idle", bound: 50, atMost: true},
		// Hibernated idle connections: at most redis-server's resident
		// memory per connection, and a graceful stop of them at most
		// half the baseline's, with no goroutine to wake.
		target{key: "rss_connected", vs: sysRedis, bound: 1, atMost: true},
		target{key: "rss_conn", vs: sysRedis, bound: 1, atMost: true},
		target{key: "stop_idle", vs: sysBare, bound: 0.5, atMost: true},
		target{key: "wake_p99", bound: 1000, atMost: true},
		target{key: "drain_idle", bound: 1000, atMost: true},
		target{key: "drain_busy", bound: 1000, atMost: true},
		target{key: "fanout_p1", vs: sysRedis, bound: 0.8},
		target{key: "fanout_p32", vs: sysRedis, bound: 0.8},
		// TLS: at least 0.9 × redis-server's --tls-port in each (tls.go).
		target{key: "tls_set_p1", vs: sysRedis, bound: 0.9},
		target{key: "tls_get_p1", vs: sysRedis, bound: 0.9},
		target{key: "tls_set_p32", vs: sysRedis, bound: 0.9},
		target{key: "tls_get_p32", vs: sysRedis, bound: 0.9},
		target{key: "tls_churn", vs: sysRedis, bound: 0.9},
	)
}

// check returns the measured value a target is judged on and whether it
// is met; ok is false when the run did not measure it.
func (t target) check(res *results) (have float64, met, ok bool) {
	if t.vs == "" {
		have = res.median(t.key, sysSeam)
	} else {
		have = res.ratio(t.key, sysSeam, t.vs)
	}
	if math.IsNaN(have) {
		return have, false, false
	}
	if t.atMost {
		return have, have <= t.bound, true
	}
	return have, have >= t.bound, true
}

func (t target) String() string {
	op := "≥"
	if t.atMost {
		op = "≤"
	}
	if t.vs == "" {
		return fmt.Sprintf("%s %s", op, formatNum(t.bound))
	}
	return fmt.Sprintf("seam/%s %s %s", t.vs, op, formatNum(t.bound))
}

// writeTable writes the figures as a markdown table: the median of each
// system, then the median ratios of seam to the baseline and to the peers,
// and, when both floors ran, seamfloor's to floor's: what seam itself
// holds per connection, without the kv handler.
func writeTable(w io.Writer, res *results, systems []system) {
	// The floors take part in two workloads only: without them, their
	// columns would be dashes from top to bottom.
	systems = slices.DeleteFunc(slices.Clone(systems), func(s system) bool {
		return (s == sysFloor || s == sysNetFloor || s == sysSeamFloor) && !res.has(s)
	})
	var cols []system
	for _, s := range systems {
		if s != sysSeam {
			cols = append(cols, s)
		}
	}
	floors := slices.Contains(systems, sysFloor) && slices.Contains(systems, sysSeamFloor)
	head := []string{"workload", "unit"}
	for _, s := range systems {
		head = append(head, s.title())
	}
	for _, s := range cols {
		head = append(head, "seam/"+string(s))
	}
	if floors {
		head = append(head, "seamfloor/floor")
	}
	row(w, head...)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
		if i >= 2 {
			sep[i] = "---:"
		}
	}
	row(w, sep...)
	for _, f := range res.figures {
		cells := []string{f.name, f.unit}
		for _, s := range systems {
			cells = append(cells, formatNum(res.median(f.key, s)))
		}
		for _, s := range cols {
			cells = append(cells, formatRatio(res.ratio(f.key, sysSeam, s)))
		}
		if floors {
			cells = append(cells, formatRatio(res.ratio(f.key, sysSeamFloor, sysFloor)))
		}
		row(w, cells...)
	}
}

// writeTargets writes one line per target measured in this run.
func writeTargets(w io.Writer, res *results) {
	names := make(map[string]string)
	for _, f := range res.figures {
		names[f.key] = f.name
	}
	row(w, "target", "workload", "measured", "rounds' range", "met")
	row(w, "---", "---", "---:", "---:", "---")
	for _, t := range targets() {
		have, met, ok := t.check(res)
		if !ok {
			continue
		}
		verdict := "yes"
		if !met {
			verdict = "**no**"
		}
		var measured, spread string
		if t.vs == "" {
			lo, hi := minMax(res.values[t.key][sysSeam])
			measured, spread = formatNum(have), formatNum(lo)+"–"+formatNum(hi)
		} else {
			lo, hi := res.ratioRange(t.key, sysSeam, t.vs)
			measured, spread = formatRatio(have), formatRatio(lo)+"–"+formatRatio(hi)
		}
		row(w, t.String(), names[t.key], measured, spread, verdict)
	}
}

// minMax of the values that are not NaN.
func minMax(vs []float64) (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for _, v := range vs {
		if math.IsNaN(v) {
			continue
		}
		if math.IsNaN(lo) || v < lo {
			lo = v
		}
		if math.IsNaN(hi) || v > hi {
			hi = v
		}
	}
	return lo, hi
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

// formatNum prints a figure with about three significant digits, so that
// the table does not pretend to a precision a 2-core machine cannot give.
func formatNum(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "–"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func formatRatio(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}
