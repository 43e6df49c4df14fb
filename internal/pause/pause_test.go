package pause

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// For waits for its timer, and a cancelled ctx cuts it short.
func TestFor(t *testing.T) {
	if !For(context.Background(), time.Millisecond) {
		t.Fatal("For with a live ctx reported false")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, time.Hour) {
		t.Fatal("For with a cancelled ctx reported true")
	}
}

func TestDoubling(t *testing.T) {
	var have []time.Duration
	for d := time.Duration(0); len(have) < 5; {
		d = Doubling(d, 5*time.Millisecond, 30*time.Millisecond)
		have = append(have, d)
	}
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 30 * time.Millisecond}
	if !slices.Equal(have, want) {
		t.Fatalf("pauses %v, want %v", have, want)
	}
}

func TestUntil(t *testing.T) {
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	if !Until(context.Background(), time.Hour, wake) {
		t.Fatal("Until woken with a live ctx reported false")
	}
	if !Until(context.Background(), time.Millisecond, nil) {
		t.Fatal("Until with a nil wake did not end at its timer")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Until(ctx, time.Hour, make(chan struct{})) {
		t.Fatal("Until with a cancelled ctx reported true")
	}
}
