package main

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/seamgo/seam/services"
)

// BenchmarkActor prices one message to a services.Actor that owns a map,
// next to the two ways of sharing the same map without an actor:
//
//   - call: Actor.Call, a round trip (send, handle, reply) per op;
//   - cast: Actor.Cast, one way, from one sender; a full mailbox is
//     retried, so this is the rate the actor drains its mailbox at;
//   - mutex: a sync.Mutex around the map, the same update in place;
//   - chan: a bare goroutine that owns the map and answers on a reply
//     channel: the round trip with nothing of the actor's bookkeeping.
//
// Each op increments one of 1,024 keys.
func BenchmarkActor(b *testing.B) {
	type reply = int
	handle := func(_ context.Context, m *map[int]int, k int) (reply, error) {
		(*m)[k]++
		return (*m)[k], nil
	}
	start := func(b *testing.B, mailbox int) *services.Actor[map[int]int, int, reply] {
		a := &services.Actor[map[int]int, int, reply]{
			Name:    "bench",
			Mailbox: mailbox,
			Init:    func(context.Context) (map[int]int, error) { return map[int]int{}, nil },
			Handle:  handle,
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = a.Serve(ctx) }()
		b.Cleanup(func() { cancel(); <-done })
		<-a.Ready()
		return a
	}

	b.Run("call", func(b *testing.B) {
		a := start(b, 0)
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := a.Call(ctx, i&1023); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("cast", func(b *testing.B) {
		a := start(b, 0)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			for {
				err := a.Cast(i & 1023)
				if err == nil {
					break
				}
				if !errors.Is(err, services.ErrMailboxFull) {
					b.Fatal(err)
				}
			}
			i++
		}
		// Every cast is handled before the clock stops.
		if _, err := a.Call(context.Background(), 0); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("mutex", func(b *testing.B) {
		var mu sync.Mutex
		m := map[int]int{}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			mu.Lock()
			m[i&1023]++
			_ = m[i&1023]
			mu.Unlock()
			i++
		}
	})
	b.Run("chan", func(b *testing.B) {
		type req struct {
			k     int
			reply chan int
		}
		reqs := make(chan req)
		done := make(chan struct{})
		go func() {
			defer close(done)
			m := map[int]int{}
			for r := range reqs {
				m[r.k]++
				r.reply <- m[r.k]
			}
		}()
		b.Cleanup(func() { close(reqs); <-done })
		reply := make(chan int, 1)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			reqs <- req{k: i & 1023, reply: reply}
			<-reply
			i++
		}
	})
}
