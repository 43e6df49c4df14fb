package singleton

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// errWatchLost is campaign's error when etcd ends a watch without the
// delete it waited for (a compaction, a closed client).
var errWatchLost = errors.New("singleton: watch ended before the leader key was deleted")

// campaign puts this candidate's key under prefix, with the lease, and
// returns its fence once every key created before it is gone: then it
// leads. While it waits it reclaims the lease of the key just ahead of it
// once that lease's holder has surely stopped (see [reclaim]), and calls
// reclaimed with what it revoked.
//
// This is go.etcd.io/etcd/client/v3/concurrency's Election.Campaign,
// with the same keys (prefix + the lease ID in hex, the oldest leading),
// so that etcdctl elect and Election.Leader and Observe see this leader.
// It is not called directly because a Campaign whose ctx ends deletes
// its key with the client's own ctx, which waits for as long as etcd is
// out of reach: a standby cut off from etcd could not stop. Here a ctx
// that ends returns at once, and the term's revoke, bounded, cleans up.
func campaign(ctx context.Context, cli *clientv3.Client, prefix string, id clientv3.LeaseID, value string, reclaimed func(key string, id clientv3.LeaseID)) (Fence, error) {
	key := fmt.Sprintf("%s%x", prefix, id)
	resp, err := cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, value, clientv3.WithLease(id))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return Fence{}, fmt.Errorf("singleton: campaign: %w", err)
	}
	f := Fence{Key: key, Revision: resp.Header.Revision}
	if !resp.Succeeded {
		// The lease is this term's own, so only a retried put finds
		// its key there.
		f.Revision = resp.Responses[0].GetResponseRange().Kvs[0].CreateRevision
	}
	return f, waitTurn(ctx, cli, prefix, f.Revision, reclaimed)
}

// waitTurn returns once no key under prefix was created before rev,
// watching the newest of the older ones until it is deleted, again and
// again.
func waitTurn(ctx context.Context, cli *clientv3.Client, prefix string, rev int64, reclaimed func(string, clientv3.LeaseID)) error {
	opts := append(clientv3.WithLastCreate(), clientv3.WithMaxCreateRev(rev-1))
	for {
		resp, err := cli.Get(ctx, prefix, opts...)
		if err != nil {
			return fmt.Errorf("singleton: campaign: %w", err)
		}
		if len(resp.Kvs) == 0 {
			return nil
		}
		ahead := resp.Kvs[0]
		if err := waitDelete(ctx, cli, string(ahead.Key), clientv3.LeaseID(ahead.Lease), resp.Header.Revision, reclaimed); err != nil {
			return err
		}
	}
}

// waitDelete watches key from rev until it is deleted, and meanwhile
// reclaims its lease, if it has one.
func waitDelete(ctx context.Context, cli *clientv3.Client, key string, lease clientv3.LeaseID, rev int64, reclaimed func(string, clientv3.LeaseID)) error {
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	if lease != clientv3.NoLease {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if reclaim(wctx, cli, lease) {
				reclaimed(key, lease)
			}
		}()
	}
	for wr := range cli.Watch(wctx, key, clientv3.WithRev(rev)) {
		if err := wr.Err(); err != nil {
			return fmt.Errorf("singleton: campaign: %w", err)
		}
		for _, ev := range wr.Events {
			if ev.Type == mvccpb.DELETE {
				return nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errWatchLost
}
