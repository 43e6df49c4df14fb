// Package singleton runs a subtree on one instance of a fleet at a time:
// the instance that leads a named etcd election. It is the part of
// Erlang/OTP's distributed applications that a fleet behind a balancer
// needs most: a job that must run once for the whole fleet (a cleanup, a
// billing run, the only writer of something) runs on the leader, and moves
// to another instance when the leader dies, is cut off, or stops.
//
// # Leadership
//
// A [Service] campaigns on a lease of its own as
// go.etcd.io/etcd/client/v3/concurrency's Election does, with the same
// keys (so etcdctl elect and Election.Leader see who leads), but with a
// wait that ends with its ctx even when etcd is out of reach. While it
// leads it serves its Child under a supervisor of its own, so a Child
// that fails is restarted there without giving up leadership; otherwise
// it stands by, campaigning.
//
// The Child's ctx ends the moment leadership is in doubt, and always
// before etcd can let another instance lead: the Service renews its lease
// itself and notes when each renewal was sent. etcd keeps a lease at least
// TTL after it received the renewal, so at least TTL after it was sent;
// the Service cancels the Child a guard of TTL/4 before that point unless
// a later renewal came back. A leader cut off from etcd (a partition, etcd
// down) thus stops on its own clock without needing to hear anything; a
// process stalled past that point (a long pause, SIGSTOP) cannot, which
// is what the fence is for. When the Child has returned the
// Service revokes what is left of its lease and campaigns again.
//
// # Taking over from a leader that died
//
// etcd does not delete an expired lease when it expires: its lessor
// revokes expired leases in a sweep every 500ms, so a standby that waits
// for the dead leader's key to go would lead up to half a second after
// the TTL. Instead, the standby next in line follows the lease of the key
// ahead of it (LeaseTimeToLive) and revokes it itself once that lease has
// gone unrenewed so long that less than TTL/8 of it is left by etcd's
// account. The holder stopped its Child a quarter TTL before that lease
// could lapse, so at least TTL/8 before the revoke; a revoked lease
// cannot be renewed, so the holder cannot lead on it again. A standby
// then leads within the TTL of the leader's last renewal, whatever the
// phase of etcd's sweep. This counts on the holder keeping the quarter
// TTL guard a Service keeps; leases shorter than 2s are not followed,
// since whole seconds (all TimeToLive gives) cannot tell a renewal from
// none there, and etcd's sweep is waited for. [Stats.Reclaimed] counts
// the leases a Service revoked this way. Following a live leader costs a
// TimeToLive every few seconds with the default TTL, and sixteen a second
// with a TTL of 2s, the shortest etcd grants by default.
//
// Stopping a leader (ctx cancelled) stops the Child first, then revokes the
// lease, which deletes the leader key at once: the next instance takes
// over without waiting out the TTL. The revoke waits for etcd at most 2s.
// A lease that could not be revoked, etcd being out of reach, is revoked
// at the next term, as soon as etcd answers: otherwise its key would hold
// every candidate back until it expired, a TTL counted again from etcd's
// restart if etcd was the one down.
//
// # Fencing
//
// Stopping a process on time is not enough when its writes can be late
// (a GC pause between the check and the write, a packet held in a queue).
// The Child's ctx carries a [Fence]: the leader key and its creation
// revision, which grows with every new term. Guard a write to etcd with
// [Fence.Guard] in a Txn, or pass [Fence.Token] to another store that
// remembers the highest token it has seen, and a stale leader's write is
// refused.
//
// # Readiness, roles and metrics
//
// Leadership is not readiness: [Service.Ready] closes once the Service has
// started campaigning, so a standby instance is as ready as the leader
// and a balancer keeps sending it traffic. [Service.Role] and
// [Service.String] show the role (seam's /debug/tree names services by
// String), role changes are logged at info, and [Service.Collector]
// gives Prometheus metrics to register with the admin service's Gatherer.
//
// # Takeover
//
// OTP's takeover moves an application back to a preferred node when that
// node returns. An etcd election has no preference: the oldest candidate
// wins, and a returning instance queues behind the others. A Service
// offers no takeover, because moving a healthy leader costs a stop and a
// start of the job for no gain to the fleet; a program that wants one can
// stop the current leader, which hands over at once.
package singleton
