package supervisor

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// FuzzWatchdogPeriod checks watchdogPeriod on any environment: never
// negative, no watchdog for another process's pid, and otherwise half of
// a positive WATCHDOG_USEC. The seeds in testdata run in every test pass.
func FuzzWatchdogPeriod(f *testing.F) {
	f.Add("30000000", "")
	f.Add("1", "42")
	f.Add("-1", "")
	f.Fuzz(func(t *testing.T, usec, pid string) {
		const self = 42
		have := watchdogPeriod(usec, pid, self)
		if have < 0 {
			t.Fatalf("period %v < 0", have)
		}
		if p, err := strconv.Atoi(pid); pid != "" && (err != nil || p != self) && have != 0 {
			t.Fatalf("WATCHDOG_PID=%q is not this process, yet period %v", pid, have)
		}
		us, err := strconv.ParseInt(usec, 10, 64)
		if err != nil || us <= 0 {
			if have != 0 {
				t.Fatalf("WATCHDOG_USEC=%q, yet period %v", usec, have)
			}
			return
		}
		if have == 0 {
			return // another process's watchdog
		}
		if us > int64(math.MaxInt64/time.Microsecond) {
			// Beyond time.Duration: the period must not wrap to a
			// short one.
			if have < math.MaxInt64/4 {
				t.Fatalf("WATCHDOG_USEC=%q: period %v, want the longest there is", usec, have)
			}
			return
		}
		if want := max(time.Duration(us)*time.Microsecond/2, time.Microsecond); have != want {
			t.Fatalf("WATCHDOG_USEC=%q: period %v, want %v", usec, have, want)
		}
	})
}
