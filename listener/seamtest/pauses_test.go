package seamtest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// Pauses records each pause in order, returns at once, and says whether
// the ctx is still live, as a sleep that was not cut short would.
func TestPausesRecordsInOrder(t *testing.T) {
	var p seamtest.Pauses
	if !p.Sleep(context.Background(), time.Hour) {
		t.Fatal("Sleep on a live ctx = false, want true")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p.Sleep(ctx, time.Minute) {
		t.Fatal("Sleep on an ended ctx = true, want false")
	}
	if have, want := p.List(), []time.Duration{time.Hour, time.Minute}; !slices.Equal(have, want) {
		t.Fatalf("List = %v, want %v", have, want)
	}
}
