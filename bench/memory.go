package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/seamgo/seam/internal/pause"
)

// A memCase is one state of the memory workload's connections, measured
// against the same server's state before they were opened.
type memCase struct {
	suffix string // of the figures' keys
	label  string // in the figures' names
}

var (
	// caseConnected: opened and accepted, nothing sent. What a server
	// holds for a connection before it has read a byte: for the Go
	// servers, the socket, the handler's goroutine and whatever the
	// handler allocates before its first read.
	caseConnected = memCase{suffix: "connected", label: "connected, nothing sent"}
	// caseIdle: each connection sent PING and read +PONG, then stayed
	// silent for -idle-wait: what a server keeps between requests once
	// it has served one (buffers it grew and kept, per-client state).
	// Its keys are the ones the memory workload always had.
	caseIdle = memCase{suffix: "conn", label: "idle after a PING"}
)

// memSample is a server's memory at one instant; NaN where the server has
// no such figure (redis-server has no goroutine stacks and reports no
// allocation counts).
type memSample struct {
	rss        float64 // KiB
	heap       float64 // bytes
	stacks     float64 // bytes
	allocObjs  float64 // heap allocations since the process started
	allocBytes float64
}

// memory opens -idle connections and divides what the server's memory
// grew by their number, twice: once they are accepted with nothing sent,
// and again after each has answered a PING and sat idle for -idle-wait.
// Resident memory is read from /proc for every system; the heap, stacks
// and allocations from the Go servers' runtime/metrics after a GC, and
// the heap from redis's used_memory.
func (h *harness) memory(ctx context.Context, sys system, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		before, m0, err := h.baseline(ctx, s)
		if err != nil {
			return err
		}
		n := h.cfg.idle
		conns, err := openConns(ctx, s.addr, n, nil)
		if err != nil {
			return err
		}
		defer closeAll(conns)
		if err := h.awaitConns(ctx, s, before, n); err != nil {
			return err
		}
		if err := h.awaitAsleep(ctx, s, before, n); err != nil {
			return err
		}
		m1, err := h.memOf(ctx, s)
		if err != nil {
			return err
		}
		h.addMem(caseConnected, sys, round, m0, m1, n)

		if err := pingAll(ctx, conns); err != nil {
			return err
		}
		// Not a synchronisation: the idle time is the state being measured.
		if !pause.For(ctx, h.cfg.idleWait) {
			return ctx.Err()
		}
		if err := h.awaitAsleep(ctx, s, before, n); err != nil {
			return err
		}
		m2, err := h.memOf(ctx, s)
		if err != nil {
			return err
		}
		if err := h.profile(ctx, s, "heapprofile", "memory", round); err != nil {
			return err
		}
		h.addMem(caseIdle, sys, round, m0, m2, n)
		// The server closes first, so that the TIME_WAIT sockets sit on its
		// side of each connection and the client's ephemeral ports stay free
		// for the next round's 10,000.
		_, err = s.stop(ctx)
		return err
	})
}

// memFigures are the memory workload's figures for one case, n
// connections: resident memory, live heap, goroutine stacks, allocations
// (objects and bytes).
func memFigures(c memCase, n int, idleWait time.Duration) [5]figure {
	what := fmt.Sprintf("%s, %s", c.label, thousands(n))
	if c == caseIdle {
		what += fmt.Sprintf(", %s idle", idleWait)
	}
	return [5]figure{
		{key: "rss_" + c.suffix, unit: "KiB", name: "resident memory per connection (" + what + ")"},
		{key: "heap_" + c.suffix, unit: "KiB", name: "live heap per connection (" + what + ")"},
		{key: "stack_" + c.suffix, unit: "KiB", name: "goroutine stacks per connection (" + what + ")"},
		{key: "allocs_" + c.suffix, unit: "objects", name: "heap allocations per connection, since opening (" + what + ")"},
		{key: "allocb_" + c.suffix, unit: "B", name: "bytes allocated per connection, since opening (" + what + ")"},
	}
}

// addMem records what n connections added between m0 and m1.
func (h *harness) addMem(c memCase, sys system, round int, m0, m1 memSample, n int) {
	f := memFigures(c, n, h.cfg.idleWait)
	per := float64(n)
	for i, v := range []float64{
		(m1.rss - m0.rss) / per,
		(m1.heap - m0.heap) / 1024 / per,
		(m1.stacks - m0.stacks) / 1024 / per,
		(m1.allocObjs - m0.allocObjs) / per,
		(m1.allocBytes - m0.allocBytes) / per,
	} {
		if !math.IsNaN(v) {
			h.add(f[i], sys, round, v)
		}
	}
}

// baseline is what a server holds before a workload opens its
// connections: its connection count, which the workload waits to see
// grow, and its memory, which it subtracts from what it measures then.
func (h *harness) baseline(ctx context.Context, s *process) (connCount, memSample, error) {
	before, err := h.connCount(ctx, s)
	if err != nil {
		return before, memSample{}, err
	}
	m0, err := h.memOf(ctx, s)
	return before, m0, err
}

// memOf samples the server's memory.
func (h *harness) memOf(ctx context.Context, s *process) (memSample, error) {
	nan := math.NaN()
	m := memSample{stacks: nan, allocObjs: nan, allocBytes: nan}
	var err error
	if s.sys == sysRedis {
		if m.heap, err = redisUsedMemory(ctx, s.addr); err != nil {
			return m, err
		}
	} else {
		rep, err := s.call(ctx, "mem")
		if err != nil {
			return m, err
		}
		for key, v := range map[string]*float64{
			"heap": &m.heap, "stacks": &m.stacks, "allocs_objects": &m.allocObjs, "allocs_bytes": &m.allocBytes,
		} {
			if *v, err = num(rep, key); err != nil {
				return m, err
			}
		}
	}
	m.rss, err = rssKiB(s.pid())
	return m, err
}

// connCount is what a server says of its connections: how many it has
// accepted (redis: connected_clients), for the Go servers its
// goroutines, and for seam with hibernation how many are hibernated
// (each of which has no goroutine). NaN where it does not say.
type connCount struct {
	accepted, goroutines, hibernated float64
}

func (h *harness) connCount(ctx context.Context, s *process) (connCount, error) {
	c := connCount{accepted: math.NaN(), goroutines: math.NaN(), hibernated: math.NaN()}
	if s.sys == sysRedis {
		n, err := redisInfo(ctx, s.addr, "clients", "connected_clients")
		c.accepted = n
		return c, err
	}
	rep, err := s.call(ctx, "conns")
	if err != nil {
		return c, err
	}
	if c.goroutines, err = num(rep, "goroutines"); err != nil {
		return c, err
	}
	if _, ok := rep["accepted"]; ok {
		if c.accepted, err = num(rep, "accepted"); err != nil {
			return c, err
		}
	}
	if _, ok := rep["hibernated"]; ok {
		if c.hibernated, err = num(rep, "hibernated"); err != nil {
			return c, err
		}
		// A hibernated connection stands where its goroutine was.
		c.goroutines += c.hibernated
	}
	return c, nil
}

// awaitAsleep waits, for a server that hibernates its connections, until
// n more of them are hibernated than at before: what an idle connection
// costs it is then what a hibernated one does, which is the state
// measured. Other servers return at once.
func (h *harness) awaitAsleep(ctx context.Context, s *process, before connCount, n int) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		now, err := h.connCount(ctx, s)
		if err != nil || math.IsNaN(now.hibernated) {
			return err
		}
		base := before.hibernated
		if math.IsNaN(base) {
			base = 0
		}
		if now.hibernated-base >= float64(n) {
			return nil
		}
		if !pause.For(ctx, 20*time.Millisecond) {
			return fmt.Errorf("%s hibernated %v of %d idle connections: %w", s.sys, now.hibernated-base, n, ctx.Err())
		}
	}
}

// awaitConns waits until the server has taken n more connections than it
// had at before: accepted them, where it counts, and, for a Go server,
// started a goroutine for each. A connection that has sent nothing gives
// its client no other sign of that, so the server is asked, every few
// milliseconds, up to a minute.
func (h *harness) awaitConns(ctx context.Context, s *process, before connCount, n int) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		now, err := h.connCount(ctx, s)
		if err != nil {
			return err
		}
		short := func(a, b float64) bool { return !math.IsNaN(a) && a-b < float64(n) }
		if !short(now.accepted, before.accepted) && !short(now.goroutines, before.goroutines) {
			return nil
		}
		if !pause.For(ctx, 5*time.Millisecond) {
			return fmt.Errorf("%s took %v more connections and %v more goroutines, want %d each: %w",
				s.sys, now.accepted-before.accepted, now.goroutines-before.goroutines, n, ctx.Err())
		}
	}
}
