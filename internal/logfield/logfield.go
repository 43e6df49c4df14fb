// Package logfield formats values for the log lines of seam's packages, so
// that a person reads them at a glance: durations rounded to what matters
// ("4.2s", "730ms", "85us"), in ASCII.
//
// It is internal: users see the fields in seam's logs, not this package.
package logfield

import (
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that logs rounded for a reader: two
// significant digits below a minute, in the largest unit that keeps the
// number at 1 or more (s, ms, us, ns), and whole seconds from a minute
// on, as time.Duration spells them ("1m30s"). Microseconds are "us", not
// "µs", so that a log stays ASCII. Pass it to zerolog's Stringer.
type Duration time.Duration

// String returns the rounded duration.
func (d Duration) String() string {
	v := time.Duration(d)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	switch {
	case v == 0:
		return "0s"
	case v >= time.Minute:
		return sign + v.Round(time.Second).String()
	case v >= time.Second:
		return sign + twoDigits(float64(v)/float64(time.Second), "s")
	case v >= time.Millisecond:
		return sign + twoDigits(float64(v)/float64(time.Millisecond), "ms")
	case v >= time.Microsecond:
		return sign + twoDigits(float64(v)/float64(time.Microsecond), "us")
	}
	return sign + strconv.FormatInt(int64(v), 10) + "ns"
}

// twoDigits prints x, which is at least 1 and below 1000, with two
// significant digits: one decimal below 10 (dropped when it is 0), none
// from 10 on, where "730ms" reads better than "7.3e+02ms". A value that
// rounds up to the next unit ("999.7ms") keeps its unit ("1000ms"): that
// is rare, and exact enough.
func twoDigits(x float64, unit string) string {
	if x < 9.95 {
		return strings.TrimSuffix(strconv.FormatFloat(x, 'f', 1, 64), ".0") + unit
	}
	return strconv.FormatFloat(x, 'f', 0, 64) + unit
}
