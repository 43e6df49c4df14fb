// Package pubsub is the kv example's publish/subscribe: a [Hub], an actor
// (services.Actor) that owns every subscription, and a [Subscriber], one
// subscribed connection's output queue and the goroutine that writes it.
//
// # One owner
//
// SUBSCRIBE, UNSUBSCRIBE, their pattern forms, PUBLISH and PUBSUB are
// messages to the hub, handled one at a time on its goroutine. The hub
// writes a subscription's confirmation and every message into the
// subscriber's queue itself, so a client sees its confirmation before any
// message of that channel, and the messages of one publisher in the order
// they were published. A publisher waits for the hub (PUBLISH returns the
// number of receivers), never for a subscriber.
//
// # Slow subscribers
//
// A subscriber's queue is bounded as Redis bounds it
// (client-output-buffer-limit pubsub 32mb 8mb 60): past the hard limit, or
// past the soft limit for longer than its time, the hub drops the
// subscriber's queue, closes its connection, counts it ([Hub.Cuts]) and
// logs it once. Nothing else waits for it.
//
// # Restarts
//
// A subscriber is linked to the hub's incarnation: if the hub fails and is
// restarted with no subscriptions, every subscribed connection is closed,
// so no client silently stops receiving.
//
// # Across instances
//
// A [Bus] in [Config] carries each PUBLISH to the other instances of the
// program, whose hubs fan it out with [Hub.Deliver]; PUBLISH still counts
// the local receivers only. Without one nothing leaves the process. What
// a server says about itself, such as kv's keyspace notifications, goes
// to the local subscribers only, in batches, with [Hub.DeliverAll].
package pubsub
