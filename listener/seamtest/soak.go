package seamtest

import (
	"os"
	"testing"
)

// SoakEnv is the environment variable that turns soak cases on: set to 1,
// a test run includes the cases that repeat at scale what the normal run
// checks once (a million writes, rounds of kills), which take minutes
// rather than seconds. CI runs them in a step of their own.
const SoakEnv = "SEAM_SOAK"

// Soaking reports whether soak cases run: SEAM_SOAK is 1 and the run is
// not -short.
func Soaking() bool { return os.Getenv(SoakEnv) == "1" && !testing.Short() }

// Soak skips t unless soak cases run, saying what it would have done. A
// soak case only repeats at scale what a test of the normal run checks;
// it is never the only test of a behaviour.
func Soak(t testing.TB, what string) {
	t.Helper()
	if !Soaking() {
		t.Skipf("soak case (%s): set %s=1, without -short, to run it", what, SoakEnv)
	}
}
