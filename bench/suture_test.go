package main

import (
	"context"
	"runtime"
	"strconv"
	"sync"
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

// BenchmarkSutureEnd prices what a graceful stop of seam's listener costs
// suture: the listener does not stop its connection services, it cancels
// their handlers through one shared ctx and each service then returns
// ErrDoNotRestart by itself, which suture takes one at a time on the
// supervisor's goroutine. n services (sutured, on `shards` supervisors, as
// the listener keeps one per CPU) or n bare goroutines (bare) wait on one
// channel; ns/op is the time from closing it to the last end being
// handled: every service gone from its supervisor, or the WaitGroup done.
// The difference is suture's bookkeeping, which no change to seam's
// listener can take away while each connection is a suture service.
func BenchmarkSutureEnd(b *testing.B) {
	const n = 10000
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			release := make(chan struct{})
			started := make(chan struct{}, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					started <- struct{}{}
					<-release
				}()
			}
			for range n {
				<-started
			}
			b.StartTimer()
			close(release)
			wg.Wait()
		}
	})
	for _, shards := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("suture/shards="+strconv.Itoa(shards), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ctx, cancel := context.WithCancel(context.Background())
				sups := make([]*suture.Supervisor, shards)
				dones := make([]<-chan error, shards)
				for i := range sups {
					sups[i] = suture.New("bench", suture.Spec{})
					dones[i] = sups[i].ServeBackground(ctx)
				}
				release := make(chan struct{})
				started := make(chan struct{}, n)
				for i := range n {
					sups[i%shards].Add(&ender{started: started, release: release})
				}
				for range n {
					<-started
				}
				b.StartTimer()
				close(release)
				for _, sup := range sups {
					for len(sup.Services()) > 0 { // a round trip to the supervisor's goroutine
						runtime.Gosched()
					}
				}
				b.StopTimer()
				cancel()
				for _, done := range dones {
					<-done
				}
				b.StartTimer()
			}
		})
	}
}

// ender is a service that returns ErrDoNotRestart once released, as a
// connection's does when its handler ends.
type ender struct {
	started chan<- struct{}
	release <-chan struct{}
}

func (e *ender) Serve(context.Context) error {
	e.started <- struct{}{}
	<-e.release
	return suture.ErrDoNotRestart
}

func (e *ender) String() string { return "ender" }
