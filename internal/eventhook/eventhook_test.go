package eventhook

import (
	"context"
	"slices"
	"testing"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
)

// A hook made under a context with an observer calls the hook, then the
// observer; without one it is the hook alone.
func TestFor(t *testing.T) {
	var calls []string
	hook := func(suture.Event) { calls = append(calls, "hook") }
	observe := func(suture.Event) { calls = append(calls, "observer") }
	ev := suture.EventResume{SupervisorName: "app"}

	For(context.Background(), hook)(ev)
	if want := []string{"hook"}; !slices.Equal(calls, want) {
		t.Errorf("without an observer: calls %q, want %q", calls, want)
	}
	calls = nil
	ctx := WithObserver(context.Background(), observe)
	For(ctx, hook)(ev)
	if want := []string{"hook", "observer"}; !slices.Equal(calls, want) {
		t.Errorf("with an observer: calls %q, want %q", calls, want)
	}
	if WithObserver(context.Background(), nil) != context.Background() {
		t.Error("a nil observer was carried")
	}
}

func TestMain(m *testing.M) { seamtest.Main(m) }
