package supervisor

import (
	"context"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

func TestShare(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct {
		left      time.Duration
		remaining int
		want      time.Duration
	}{
		{9 * time.Second, 1, 9 * time.Second},
		{9 * time.Second, 2, 9*time.Second - 9*time.Second/4},
		{9 * time.Second, 3, 6 * time.Second},
		{10 * time.Second, 10, 10*time.Second - 9*(10*time.Second/20)},
		{0, 3, 0},
		{-time.Second, 3, -time.Second},
	} {
		if have := share(now, now.Add(tc.left), tc.remaining).Sub(now); have != tc.want {
			t.Errorf("share(%v left, %d remaining) = now+%v, want now+%v", tc.left, tc.remaining, have, tc.want)
		}
	}
}

func TestStopDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if _, ok := StopDeadline(ctx); ok {
		t.Fatal("a ctx without budget has a deadline")
	}
	bctx, b := withBudget(ctx)
	want := time.Now().Add(time.Hour)
	b.set(want)
	if _, ok := StopDeadline(bctx); ok {
		t.Fatal("a live ctx has a stop deadline")
	}
	cancel()
	if have, ok := StopDeadline(bctx); !ok || !have.Equal(want) {
		t.Fatalf("StopDeadline = %v, %v; want %v", have, ok, want)
	}
}

// deadlineKid records the stop deadline it is given.
type deadlineKid struct {
	name string
	got  chan time.Time
}

func (d *deadlineKid) Serve(ctx context.Context) error {
	<-ctx.Done()
	dl, _ := StopDeadline(ctx)
	d.got <- dl
	return nil
}

func (d *deadlineKid) String() string { return d.name }

// Under Run, every child's deadline lies within the shutdown timeout, and
// each child stopped earlier leaves a reserve to the ones after it.
func TestRunHandsTheBudgetDown(t *testing.T) {
	a := &deadlineKid{"a", make(chan time.Time, 1)}
	b := &deadlineKid{"b", make(chan time.Time, 1)}
	// b sits under a suture supervisor: the deadline reaches it through
	// suture's contexts.
	sup := New("sup", Config{})
	sup.Add(b)
	g := &Group{Name: "app", Services: []suture.Service{a, sup}}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	const timeout = time.Hour
	go func() {
		done <- Run(ctx, g, RunConfig{ShutdownTimeout: timeout, OnReady: func() { close(ready) }})
	}()
	seamtest.Recv(t, ready, "the tree to be ready")
	before := time.Now()
	cancel()
	seamtest.RecvNil(t, done, "Run to return")
	after := time.Now()
	db, da := seamtest.Recv(t, b.got, "b's deadline"), seamtest.Recv(t, a.got, "a's deadline")
	end := after.Add(timeout - reportReserve(timeout))
	if db.After(end) || db.Before(before.Add(timeout/2)) {
		t.Errorf("b's deadline %v is not half to all of the budget after the stop", db.Sub(before))
	}
	if da.After(end) || !da.After(db) {
		t.Errorf("a's deadline %v is not after b's %v, within the budget", da.Sub(before), db.Sub(before))
	}
}
