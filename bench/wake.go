package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/internal/pause"
)

// wakeIdle is how long the wake workload's connections stay silent before
// each timed PING: past seamkv's HibernateAfter (1s, the kv example's
// default), so that on seam every one has hibernated, and the same on the
// server that does not hibernate, whose goroutines then wait as long.
const wakeIdle = 1500 * time.Millisecond

// wakePasses is how many times a round lets its connections fall idle
// and times the PING that ends it.
const wakePasses = 3

// The wake workload's figures: the first reply after an idle spell, in
// microseconds, from writing the PING to reading +PONG.
var (
	figWakeP50 = figure{key: "wake_p50", unit: "µs", name: "first reply after 1.5 s idle, p50"}
	figWakeP99 = figure{key: "wake_p99", unit: "µs", name: "first reply after 1.5 s idle, p99"}
)

// wake measures what a wake from hibernation costs the client: -wake-conns
// connections each PING once, fall silent for wakeIdle (on seam, until
// every one has hibernated), and then PING again one at a time, each
// timed alone, so that the time is the wake's and not a queue's. seam
// (seamkv as it ships, hibernating after 1s) and seamnohib (the same
// server with -hibernate-after 0) take turns within each round.
func (h *harness) wake(ctx context.Context, systems []system, round int) error {
	for _, sys := range systems {
		if err := h.wakeOne(ctx, sys, round); err != nil {
			return fmt.Errorf("%s: %w", sys, err)
		}
	}
	return nil
}

func (h *harness) wakeOne(ctx context.Context, sys system, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		n := h.cfg.wakeConns
		before, err := h.connCount(ctx, s)
		if err != nil {
			return err
		}
		conns, err := openIdle(ctx, s.addr, n)
		if err != nil {
			return err
		}
		defer closeAll(conns)
		var lat []float64
		for range wakePasses {
			// Not a synchronisation: the idle spell is what is measured.
			if !pause.For(ctx, wakeIdle) {
				return ctx.Err()
			}
			if err := h.awaitAsleep(ctx, s, before, n); err != nil {
				return err
			}
			for _, c := range conns {
				t0 := time.Now()
				if err := ctl.Ping(ctx, c); err != nil {
					return err
				}
				lat = append(lat, float64(time.Since(t0).Nanoseconds())/1e3)
			}
		}
		h.add(figWakeP50, sys, round, quantile(lat, 0.50))
		h.add(figWakeP99, sys, round, quantile(lat, 0.99))
		_, err = s.stop(ctx)
		return err
	})
}

// quantile returns the q-quantile of vs (nearest rank); vs is sorted in
// place.
func quantile(vs []float64, q float64) float64 {
	slices.Sort(vs)
	i := int(q*float64(len(vs))+0.5) - 1
	return vs[min(max(i, 0), len(vs)-1)]
}
