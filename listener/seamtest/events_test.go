package seamtest_test

import (
	"testing"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
)

// NextEvent skips the events of other types and returns those of its own
// in the order the hook saw them.
func TestNextEvent(t *testing.T) {
	e := seamtest.NewEvents()
	e.Hook(suture.EventBackoff{SupervisorName: "a"})
	e.Hook(suture.EventResume{SupervisorName: "b"})
	e.Hook(suture.EventBackoff{SupervisorName: "c"})
	if have := seamtest.NextEvent[suture.EventResume](t, e); have.SupervisorName != "b" {
		t.Errorf("first resume from %q, want b", have.SupervisorName)
	}
	if have := seamtest.NextEvent[suture.EventBackoff](t, e); have.SupervisorName != "c" {
		t.Errorf("next backoff from %q, want c (a was skipped)", have.SupervisorName)
	}
}
