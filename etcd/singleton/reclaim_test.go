package singleton

import (
	"math/rand/v2"
	"testing"
	"time"
)

// read is one answer of TimeToLive as lapse sees it.
type read struct {
	sent, recv time.Duration // since the start of the case
	ttl        int64
	// want is what next must say: revoke, or the time of the next read.
	revoke bool
	at     time.Duration
}

func TestLapse(t *testing.T) {
	const granted = 2 // seconds; TTL/8 is 250ms, TTL/32 62.5ms
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		reads []read
	}{
		{"a live lease is read again soon", []read{
			{sent: 0, recv: 10 * ms, ttl: 1, at: 72500 * time.Microsecond},
		}},
		{"a long lease is read again when it could first be below 1s", []read{
			{sent: 0, recv: 10 * ms, ttl: 7, at: 6 * time.Second},
		}},
		{"below 1s twice, TTL/8 short of a second apart: revoke", []read{
			{sent: 0, recv: 10 * ms, ttl: 0, at: 760 * ms},
			{sent: 760 * ms, recv: 770 * ms, ttl: 0, revoke: true},
		}},
		{"a read sent early proves nothing yet", []read{
			{sent: 0, recv: 10 * ms, ttl: 0, at: 760 * ms},
			{sent: 700 * ms, recv: 710 * ms, ttl: 0, at: 760 * ms},
			{sent: 760 * ms, recv: 770 * ms, ttl: 0, revoke: true},
		}},
		{"a renewal seen starts over", []read{
			{sent: 0, recv: 10 * ms, ttl: 0, at: 760 * ms},
			{sent: 760 * ms, recv: 770 * ms, ttl: 1, at: 832500 * time.Microsecond},
			{sent: 900 * ms, recv: 910 * ms, ttl: 0, at: 1660 * ms},
			{sent: 1660 * ms, recv: 1670 * ms, ttl: 0, revoke: true},
		}},
		{"reads too far apart could hide a renewal: start over", []read{
			{sent: 0, recv: 10 * ms, ttl: 0, at: 760 * ms},
			{sent: 1000 * ms, recv: 1010 * ms, ttl: 0, at: 1760 * ms},
			{sent: 1760 * ms, recv: 1770 * ms, ttl: 0, revoke: true},
		}},
		{"a slow read leaves too little time to prove anything", []read{
			{sent: 0, recv: 300 * ms, ttl: 0, at: 1050 * ms},
			{sent: 1050 * ms, recv: 1060 * ms, ttl: 0, at: 1810 * ms},
			{sent: 1810 * ms, recv: 1820 * ms, ttl: 0, revoke: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := time.Unix(1_000_000, 0)
			var l lapse
			for i, r := range tc.reads {
				at, revoke := l.next(base.Add(r.sent), base.Add(r.recv), r.ttl, granted)
				if revoke != r.revoke || (!revoke && at.Sub(base) != r.at) {
					t.Fatalf("read %d: have revoke %v at %v, want revoke %v at %v", i, revoke, at.Sub(base), r.revoke, r.at)
				}
			}
		})
	}
}

// TestLapseNeverRevokesTooSoon follows leases through reads the way
// reclaim makes them, against a model of etcd's lessor, and checks the
// promise lapse makes: when it says revoke, the lease has less than TTL/8
// left by etcd's account and has had no renewal since, so a holder that
// stops a quarter TTL before its lease may lapse stopped at least TTL/8
// before.
func TestLapseNeverRevokesTooSoon(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		granted := int64(2 + rng.IntN(9))
		g := time.Duration(granted) * time.Second
		// The holder renews every quarter TTL, each renewal reaching etcd
		// after a delay of up to half a TTL, until it dies.
		died := time.Duration(rng.Int64N(int64(4 * g)))
		var renewals []time.Duration
		for at := time.Duration(0); at < died; at += g / 4 {
			renewals = append(renewals, at+time.Duration(rng.Int64N(int64(g/2))))
		}
		lastRenewal := func(s time.Duration) time.Duration {
			last := time.Duration(0)
			for _, r := range renewals {
				if r <= s && r > last {
					last = r
				}
			}
			return last
		}
		base := time.Unix(1_000_000, 0)
		var l lapse
		now := time.Duration(rng.Int64N(int64(g)))
		for range 10000 {
			rtt := time.Duration(rng.Int64N(int64(800 * time.Millisecond)))
			served := now + time.Duration(rng.Int64N(int64(rtt)+1)) // when etcd read the lease
			remaining := lastRenewal(served) + g - served
			ttl := int64(remaining / time.Second) // truncated toward zero, as etcd does
			at, revoke := l.next(base.Add(now), base.Add(now+rtt), ttl, granted)
			if revoke {
				if remaining >= g/8 {
					t.Fatalf("trial %d (TTL %v, renewals %v): revoke with %v left at %v", trial, g, renewals, remaining, served)
				}
				break
			}
			now = max(at.Sub(base), now+rtt)
		}
	}
}
