package main

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thejerf/suture/v4"
)

// BenchmarkSutureStop isolates what a graceful stop costs suture alone,
// with no sockets: one supervisor holding n services that return when their
// ctx ends, as a listener's connection services do. ns/op is the time from
// the cancel to ServeBackground's end; tail-ns is the part of it after the
// last service's Serve returned, which is what seam's drain completion
// figure adds to the baseline's.
func BenchmarkSutureStop(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var tail time.Duration
			for b.Loop() {
				b.StopTimer()
				sup := suture.New("bench", suture.Spec{})
				ctx, cancel := context.WithCancel(context.Background())
				done := sup.ServeBackground(ctx)
				started := make(chan struct{}, n)
				var last atomic.Int64
				base := time.Now()
				for range n {
					sup.Add(&waiter{started: started, base: base, last: &last})
				}
				for range n {
					<-started
				}
				b.StartTimer()
				cancel()
				<-done
				b.StopTimer()
				tail += time.Since(base) - time.Duration(last.Load())
				b.StartTimer()
			}
			b.ReportMetric(float64(tail.Nanoseconds())/float64(b.N), "tail-ns/op")
		})
	}
}

// waiter is a service that waits for its ctx and notes when it returned.
type waiter struct {
	started chan<- struct{}
	base    time.Time
	last    *atomic.Int64
}

func (w *waiter) Serve(ctx context.Context) error {
	w.started <- struct{}{}
	<-ctx.Done()
	storeLater(w.last, int64(time.Since(w.base)))
	return suture.ErrDoNotRestart
}

func (w *waiter) String() string { return "waiter" }

func storeLater(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if old >= n || v.CompareAndSwap(old, n) {
			return
		}
	}
}
