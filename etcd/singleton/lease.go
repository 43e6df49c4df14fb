package singleton

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// lease renews one etcd lease and knows, on this process's clock, until
// when etcd is sure to keep it.
//
// etcd keeps a lease TTL after the last renewal it received, which came
// after the renewal was sent: so sent+TTL is a time before which the
// lease cannot expire, whatever happens to the network afterwards. The
// client library's own keepalive dates its deadline from the answer,
// after etcd's, which is why the Service does not rely on it to stop a
// leader in time.
type lease struct {
	client *clientv3.Client
	id     clientv3.LeaseID
	ttl    time.Duration

	mu    sync.Mutex
	until time.Time // a guard before the earliest time etcd may drop the lease
}

// guard is how long before a lease of ttl may lapse its term ends, so
// that Child's ctx is cancelled while no other instance can lead yet,
// with room for a late timer and clocks that run at slightly different
// rates. A standby that reclaims the lease (see [lapse]) counts on it.
func guard(ttl time.Duration) time.Duration { return ttl / 4 }

// renewed records a renewal sent at sent and acknowledged.
func (l *lease) renewed(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.until = sent.Add(l.ttl - guard(l.ttl))
}

func (l *lease) deadline() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until
}

// keep renews the lease every quarter TTL until ctx ends. When the lease
// is in doubt (its deadline passes without a renewal answered, or etcd
// says it is gone) it calls lose with the cause and returns.
func (l *lease) keep(ctx context.Context, lose context.CancelCauseFunc) {
	every := l.ttl / 4
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		wait := time.Until(l.deadline())
		if wait <= 0 {
			lose(errLost)
			return
		}
		timer.Reset(min(every, wait))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		sent := time.Now()
		if sent.After(l.deadline()) {
			lose(errLost)
			return
		}
		rctx, cancel := context.WithDeadline(ctx, l.deadline())
		resp, err := l.client.KeepAliveOnce(rctx, l.id)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, rpctypes.ErrLeaseNotFound) || (err == nil && resp.TTL <= 0):
			lose(errLeaseGone)
			return
		case err == nil:
			l.renewed(sent)
			every = l.ttl / 4
		default:
			// Retry sooner than the usual period: the deadline is
			// nearer than it would be after a success.
			every = l.ttl / 16
		}
	}
}

// revokeWait bounds the revoke at the end of a term: against a healthy
// etcd it takes a round trip, and one out of reach lets the lease lapse
// by itself anyway.
const revokeWait = 2 * time.Second

// revoke deletes the lease, and with it the leader key, so that the next
// instance leads at once, even when ctx has ended (a stop). It waits for
// etcd at most revokeWait, and never past the lease's own end, when
// revoking is moot. It reports whether etcd no longer has the lease.
func (l *lease) revoke(ctx context.Context) bool {
	return revoke(context.WithoutCancel(ctx), l.client, l.id, l.deadline().Add(guard(l.ttl)))
}

// revoke asks etcd to revoke the lease id, waiting until ctx ends, until,
// or revokeWait, whichever comes first, and reports whether etcd no
// longer has it.
func revoke(ctx context.Context, cli *clientv3.Client, id clientv3.LeaseID, until time.Time) bool {
	if limit := time.Now().Add(revokeWait); limit.Before(until) {
		until = limit
	}
	rctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	_, err := cli.Revoke(rctx, id)
	return err == nil || errors.Is(err, rpctypes.ErrLeaseNotFound)
}

// leftovers are the leases of ended terms that etcd could not be asked to
// revoke, etcd being out of reach. Each holds a key ahead of every new
// candidate, this instance's own included, until it expires: TTL after
// the last renewal, or after etcd's restart, which starts every lease's
// TTL again. Revoking them as soon as etcd answers clears the way at once.
type leftovers struct {
	ids []clientv3.LeaseID
}

// maxLeftovers bounds the list: a term needs etcd to begin, so at most
// one lease is left over per outage, and older ones expire by themselves.
const maxLeftovers = 8

func (lo *leftovers) add(id clientv3.LeaseID) {
	if len(lo.ids) == maxLeftovers {
		lo.ids = lo.ids[1:]
	}
	lo.ids = append(lo.ids, id)
}

// revoke asks etcd to revoke every leftover lease, waiting at most
// revokeWait for each and not past ctx, and keeps those it could not.
func (lo *leftovers) revoke(ctx context.Context, cli *clientv3.Client) {
	kept := lo.ids[:0]
	for _, id := range lo.ids {
		if !revoke(ctx, cli, id, time.Now().Add(revokeWait)) {
			kept = append(kept, id)
		}
	}
	lo.ids = kept
}
