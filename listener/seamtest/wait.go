package seamtest

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Wait bounds every wait of this package: how long a test waits for
// something that should happen at once before it fails.
const Wait = 10 * time.Second

// Main runs the tests of a package and then fails them if any goroutine
// they started is still running. Call it from TestMain:
//
//	func TestMain(m *testing.M) { seamtest.Main(m) }
func Main(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Recv returns the next value from c, or the zero value once c is closed,
// waiting at most [Wait]; then it fails t, naming what it waited for.
// Call it from the test's goroutine.
func Recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	select {
	case v := <-c:
		return v
	case <-timer.C:
		t.Fatalf("seamtest: timed out after %v waiting for %s", Wait, what)
		panic("unreachable")
	}
}

// RecvNil waits, as [Recv] does, for the error that a call running on its
// own goroutine sends on c when it returns, and fails t unless that error
// is nil: the usual end of a test that stopped what it started. Call it
// from the test's goroutine.
func RecvNil(t testing.TB, c <-chan error, what string) {
	t.Helper()
	if err := Recv(t, c, what); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eventually waits until cond reports true, checking it every millisecond
// for at most [Wait], and fails t if it never does. It is for states that
// no channel announces (a counter, a file); where a channel exists, use
// [Recv]. Call it from the test's goroutine.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-timer.C:
			t.Fatalf("seamtest: timed out after %v waiting for %s", Wait, what)
		}
	}
}
