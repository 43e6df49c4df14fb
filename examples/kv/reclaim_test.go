package main

import (
	"context"
	"testing"
)

// reclaim acts once per reclaimAfter bytes let go of, never on less.
func TestReclaimThreshold(t *testing.T) {
	t.Parallel()
	var let int64
	r := &reclaimer{let: func() int64 { return let }}
	for _, step := range []struct {
		let, wantLast int64
	}{{reclaimAfter - 1, 0}, {reclaimAfter, reclaimAfter}, {2*reclaimAfter - 1, reclaimAfter}, {3 * reclaimAfter, 3 * reclaimAfter}} {
		let = step.let
		_ = r.reclaim(context.Background())
		if r.last != step.wantLast {
			t.Fatalf("after %d bytes let go of, reclaimed at %d, want %d", step.let, r.last, step.wantLast)
		}
	}
}
