package seamtest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"
)

// Events collects the events of a suture event hook, so that a test waits
// on what a supervisor did rather than on the wording of its log lines.
// Give [Events.Hook] to a suture.Spec, or chain it after another hook. The
// zero value is not usable; use [NewEvents].
type Events struct {
	c       chan suture.Event
	dropped atomic.Int64
}

// NewEvents returns a collection with room for 1024 events not yet read.
func NewEvents() *Events {
	return &Events{c: make(chan suture.Event, 1024)}
}

// Hook records ev. It never blocks, as a suture hook must not: an event
// that finds the collection full is dropped, and the next wait fails the
// test.
func (e *Events) Hook(ev suture.Event) {
	select {
	case e.c <- ev:
	default:
		e.dropped.Add(1)
	}
}

// NextEvent returns the next event of type T that e received, skipping
// events of other types, waiting for it at most [Wait]; then it fails t.
// Call it from the test's goroutine.
func NextEvent[T suture.Event](t testing.TB, e *Events) T {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		if n := e.dropped.Load(); n > 0 {
			t.Fatalf("seamtest: %d events dropped: the test reads too few", n)
		}
		select {
		case ev := <-e.c:
			if want, ok := ev.(T); ok {
				return want
			}
		case <-timer.C:
			var zero T
			t.Fatalf("seamtest: timed out after %v waiting for a %s", Wait, fmt.Sprintf("%T", zero))
			return zero
		}
	}
}
