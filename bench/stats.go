package main

import (
	"math"
	"slices"
)

// A system is one of the servers compared.
type system string

// The systems, in the order each round runs them (A B C D, A B C D...).
const (
	sysSeam   system = "seam"
	sysBare   system = "bare"
	sysRedcon system = "redcon"
	sysRedis  system = "redis"
	// The floors of the memory workloads: the least a goroutine per
	// connection can hold (bench/cmd/floor), and the same loop served by
	// seam (bench/cmd/seamfloor). They answer PING and nothing else.
	sysFloor     system = "floor"
	sysSeamFloor system = "seamfloor"
	// The Go floor read through the net.Conn interface
	// (bench/cmd/floor -netconn): its 512-byte buffer is on the heap and
	// its goroutine keeps a 2 KiB stack, the least a goroutine per
	// connection can hold.
	sysNetFloor system = "netfloor"
	// seam with hibernation off (-hibernate-after 0): seam is the kv
	// example (or seamkv) as it ships, hibernating idle clients after
	// 1s; against this, what hibernation saves and what its wakes cost.
	sysSeamNoHib system = "seamnohib"
	// The kv example with an idle timeout that never fires (-timeout
	// 3600): against seam, what Server.IdleTimeout costs on the read
	// path, and through seam/bare, that a zero IdleTimeout costs nothing.
	sysSeamTimeout system = "seamtimeout"
	// The kv example built from another commit (-before REV), for a
	// change's effect measured in the same run.
	sysBefore system = "before"
)

var allSystems = []system{sysSeam, sysSeamNoHib, sysBare, sysRedcon, sysRedis, sysFloor, sysNetFloor, sysSeamFloor, sysSeamTimeout, sysBefore}

// loadSystems serve the throughput and churn workloads: the kv systems,
// and the kv example's variants.
var loadSystems = []system{sysSeam, sysSeamNoHib, sysBare, sysRedcon, sysRedis, sysSeamTimeout, sysBefore}

// title is how a system heads its column.
func (s system) title() string {
	switch s {
	case sysSeam:
		return "seam"
	case sysBare:
		return "bare net"
	case sysRedcon:
		return "redcon"
	case sysRedis:
		return "redis-server"
	case sysFloor:
		return "Go floor"
	case sysSeamFloor:
		return "seam floor"
	case sysNetFloor:
		return "Go floor, net.Conn"
	case sysSeamNoHib:
		return "seam, no hibernation"
	case sysSeamTimeout:
		return "seam, -timeout"
	case sysBefore:
		return "seam before"
	}
	return string(s)
}

// A figure is one measured quantity, a row of the table.
type figure struct {
	key  string // short name, for targets
	name string // what the row says
	unit string
}

// results holds every round's value of every figure for every system. A
// missing value (the system was skipped or does not do that) is NaN, so a
// round's ratio is taken only where both systems ran in that round.
type results struct {
	rounds  int
	figures []figure
	values  map[string]map[system][]float64
}

func newResults(rounds int) *results {
	return &results{rounds: rounds, values: make(map[string]map[system][]float64)}
}

// add records v as figure f's value for sys in round r.
func (res *results) add(f figure, sys system, r int, v float64) {
	bySys, ok := res.values[f.key]
	if !ok {
		bySys = make(map[system][]float64)
		res.values[f.key] = bySys
		res.figures = append(res.figures, f)
	}
	vs, ok := bySys[sys]
	if !ok {
		vs = make([]float64, res.rounds)
		for i := range vs {
			vs[i] = math.NaN()
		}
		bySys[sys] = vs
	}
	vs[r] = v
}

// has reports whether sys has a value for any figure.
func (res *results) has(sys system) bool {
	for _, bySys := range res.values {
		if slices.ContainsFunc(bySys[sys], func(v float64) bool { return !math.IsNaN(v) }) {
			return true
		}
	}
	return false
}

// median returns the median of f's values for sys, NaN if there are none.
func (res *results) median(key string, sys system) float64 {
	return median(res.values[key][sys])
}

// ratio returns the median over rounds of a's value divided by b's in the
// same round. Pairing by round, rather than dividing two medians, is what
// makes alternating the systems worth it: a round that ran while the
// machine was slower slows both.
func (res *results) ratio(key string, a, b system) float64 {
	return median(res.ratios(key, a, b))
}

// ratioRange returns the lowest and highest per-round ratio of a's value to
// b's: how far one round can be trusted on this machine.
func (res *results) ratioRange(key string, a, b system) (lo, hi float64) {
	return minMax(res.ratios(key, a, b))
}

// ratios divides a's value by b's in each round where both were measured.
func (res *results) ratios(key string, a, b system) []float64 {
	va, vb := res.values[key][a], res.values[key][b]
	var rs []float64
	for i := range min(len(va), len(vb)) {
		if !math.IsNaN(va[i]) && !math.IsNaN(vb[i]) && vb[i] != 0 {
			rs = append(rs, va[i]/vb[i])
		}
	}
	return rs
}

// median of the values that are not NaN; NaN if none is.
func median(vs []float64) float64 {
	s := make([]float64, 0, len(vs))
	for _, v := range vs {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}
