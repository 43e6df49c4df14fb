package seamtest_test

import (
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// A soak case runs only with SEAM_SOAK=1.
func TestSoak(t *testing.T) {
	t.Setenv(seamtest.SoakEnv, "")
	ran := false
	t.Run("off", func(t *testing.T) {
		seamtest.Soak(t, "a case")
		ran = true
	})
	if ran || seamtest.Soaking() {
		t.Fatal("a soak case ran without SEAM_SOAK")
	}
	if testing.Short() {
		return
	}
	t.Setenv(seamtest.SoakEnv, "1")
	t.Run("on", func(t *testing.T) {
		seamtest.Soak(t, "a case")
		ran = true
	})
	if !ran {
		t.Fatal("a soak case did not run with SEAM_SOAK=1")
	}
}
