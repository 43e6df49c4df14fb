// Package natsbus carries messages between the instances of a seam
// program over NATS (github.com/nats-io/nats.go), so that something
// published on one instance reaches the receivers of every instance: the
// kv example's PUB/SUB behind a balancer, where a SUBSCRIBE lands on one
// instance and a PUBLISH on another.
//
// # Delivery
//
// A [Bus] is a suture.Service. While it runs it holds one NATS connection
// and one subscription to its Subject; [Bus.Publish] sends on that
// connection and every message from another instance is handed to
// Deliver, one at a time, in the order it came. NATS keeps the order of
// one connection's messages, and the Bus does not echo an instance's own
// messages back to it, so each publisher's messages reach every instance
// in order and at most once, as Redis's PUBLISH does: nothing is stored
// or retried.
//
// A message is the channel's length as a uvarint, the channel and the
// payload, so channel names need not be NATS subjects: every instance
// subscribes to the one Subject, as every Redis Cluster node gets every
// PUBLISH. NATS bounds a message's size (max_payload, 1 MB by default);
// a larger one is dropped and counted.
//
// # Losing NATS
//
// A Bus that cannot reach NATS, at start or later, does not fail: it
// logs one line at warn, counts the disconnection, drops what is
// published meanwhile (counted in [Stats].Dropped) so that local delivery
// goes on unhindered, and reconnects by itself; it logs one line at info
// when NATS is back. It is ready as soon as it runs, NATS or not, because
// an instance that delivers locally is still useful. [Bus.Collector]
// gives the counters to Prometheus.
package natsbus
