package singleton

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A standby that waits for the key ahead of it to be deleted waits, when
// that key's holder died, for etcd to revoke the holder's expired lease.
// etcd does that in a sweep every 500ms (lessor.runLoop), not when the
// lease expires, so a takeover used to cost TTL plus up to half a second.
// Instead, the standby next in line follows the lease ahead of it with
// TimeToLive and revokes it itself once its holder has surely stopped:
// lapse decides when that is, reclaim asks etcd and revokes.

// lapse follows one lease through the answers of TimeToLive and says
// when the lease may be revoked: once it has not been renewed for so long
// that the holder, renewing as [Service] does, has stopped its Child at
// least half its guard ago.
//
// etcd answers TimeToLive with the remaining time truncated to whole
// seconds, so an answer of 0 means less than 1s is left (or the lease
// expired and awaits etcd's sweep). A renewal puts the lease back to its
// granted TTL, so two reads less than TTL-1s apart, both below 1s, prove
// that no renewal came between them. From the first read below 1s,
// answered at below, a read sent at revokeAt = below+1s-TTL/8 or later
// that is still below 1s, with no renewal between, finds less than TTL/8
// left. The holder's own deadline, a quarter TTL before the earliest
// expiry its last renewal allows (see [lease]), is then more than TTL/8
// in the past: its Child's ctx was cancelled before the revoke can let
// another instance lead. Revoking deletes the holder's key, and a renewal
// of a revoked lease is refused, so the holder cannot lead again on it.
//
// The reasoning needs clocks that run at the same rate over a second or
// two, as the holder's guard does; what a holder stalled past its
// deadline writes late is refused by the fence.
type lapse struct {
	below    time.Time // answer of the first read of the current run below 1s; zero if none
	prevSent time.Time // when the previous read of that run was sent
	revokeAt time.Time
}

// canFollow reports whether a lease granted ttl seconds can be followed:
// with less than 2s, reads cannot tell a renewal from none, and the
// standby waits for etcd instead.
func canFollow(granted int64) bool { return granted >= 2 }

// next takes one answer of TimeToLive (ttl, the lease's granted TTL
// granted, both in seconds, the lease found), sent and answered at those
// times on this process's clock. It returns true when the lease may be
// revoked now, or else when to read it again.
func (l *lapse) next(sent, recv time.Time, ttl, granted int64) (time.Time, bool) {
	g := time.Duration(granted) * time.Second
	// A renewal between two reads further apart than this could have
	// worn off again, below 1s, by the second.
	tooFar := !l.below.IsZero() && recv.Sub(l.prevSent) > g-time.Second
	switch {
	case ttl >= 1:
		// At least ttl seconds were left when etcd answered: nothing
		// can be learnt before ttl-1 of them have passed.
		l.below = time.Time{}
		wait := recv.Add(g / 32)
		if at := sent.Add(time.Duration(ttl-1) * time.Second); at.After(wait) {
			wait = at
		}
		return wait, false
	case l.below.IsZero() || tooFar:
		l.below, l.prevSent = recv, sent
		l.revokeAt = recv.Add(time.Second - guard(g)/2)
		return l.revokeAt, false
	case !sent.Before(l.revokeAt):
		return time.Time{}, true
	default:
		l.prevSent = sent
		return l.revokeAt, false
	}
}

// reclaim follows the lease id, which holds the key ahead of this
// candidate, and revokes it once lapse allows. It returns true if its
// revoke removed the lease, and false when ctx ended (the key was deleted,
// or the term is over), when etcd removed the lease first, or when the
// lease is too short to follow. Errors of etcd are retried: the watch on
// the key, beside it, is what the campaign waits for.
func reclaim(ctx context.Context, cli *clientv3.Client, id clientv3.LeaseID) bool {
	var l lapse
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		sent := time.Now()
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := cli.TimeToLive(rctx, id)
		cancel()
		recv := time.Now()
		switch {
		case ctx.Err() != nil:
			return false
		case err != nil:
			l = lapse{}
			t.Reset(time.Second / 4)
			continue
		case resp.GrantedTTL == 0 || !canFollow(resp.GrantedTTL):
			// Gone (etcd answers TTL -1 and no granted TTL), or too
			// short to follow: the watch sees the delete.
			return false
		}
		at, revoke := l.next(sent, recv, resp.TTL, resp.GrantedTTL)
		if !revoke {
			t.Reset(time.Until(at))
			continue
		}
		// The revoke's own watch event may end ctx before its answer
		// comes: wait for the answer anyway, briefly, to know whose
		// revoke it was.
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_, err = cli.Revoke(rctx, id)
		cancel()
		switch {
		case err == nil:
			return true
		case errors.Is(err, rpctypes.ErrLeaseNotFound) || ctx.Err() != nil:
			return false
		}
		l = lapse{}
		t.Reset(time.Second / 4)
	}
}
