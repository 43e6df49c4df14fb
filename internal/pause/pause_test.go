package pause

import (
	"context"
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
