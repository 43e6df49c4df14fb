package singleton

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Fence identifies one term of leadership: the leader key and its
// creation revision. Revisions only grow in etcd, so a later term always
// has a larger Revision: it is the fencing token to hand to whatever the
// leader writes.
type Fence struct {
	// Key is the leader's key in etcd; it lives as long as the term.
	Key string
	// Revision is the key's creation revision: the fencing token.
	Revision int64
}

type fenceKey struct{}

// FromContext returns the Fence of the term in which ctx was given to a
// Child, and false for any other ctx.
func FromContext(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// Guard returns the comparison that holds only while f's term lasts: the
// leader key still exists with f's revision. Put it in the If of an etcd
// Txn and the Txn's Then runs only for the current leader; a stale
// leader's Txn is not Succeeded.
//
//	resp, err := cli.Txn(ctx).If(f.Guard()).Then(clientv3.OpPut(k, v)).Commit()
func (f Fence) Guard() clientv3.Cmp {
	return clientv3.Compare(clientv3.CreateRevision(f.Key), "=", f.Revision)
}

// held checks that f's key still exists with its revision.
func (f Fence) held(ctx context.Context, cli *clientv3.Client) error {
	resp, err := cli.Txn(ctx).If(f.Guard()).Commit()
	if err != nil {
		return fmt.Errorf("singleton: check leader key: %w", err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("singleton: leader key %s gone before leading", f.Key)
	}
	return nil
}
