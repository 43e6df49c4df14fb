package pubsub

import "context"

// Subscribe subscribes s to channels, queueing one confirmation per
// channel. s is linked to the hub's incarnation: if the hub restarts, s's
// connection is closed. The error is the hub's (services.ErrActorStopped,
// ErrActorRestarted) or ctx's.
func (h *Hub) Subscribe(ctx context.Context, s *Subscriber, channels [][]byte) error {
	return h.call(ctx, opSubscribe, s, channels)
}

// PSubscribe is Subscribe for glob patterns.
func (h *Hub) PSubscribe(ctx context.Context, s *Subscriber, patterns [][]byte) error {
	return h.call(ctx, opPSubscribe, s, patterns)
}

func (h *Hub) call(ctx context.Context, o op, s *Subscriber, names [][]byte) error {
	// The link is taken before the subscription: a restart in between
	// closes s needlessly, but none goes unseen.
	inc, err := h.actor.Incarnation()
	if err != nil {
		return err
	}
	s.setLink(inc.Done())
	_, err = h.actor.Call(ctx, hubMsg{op: o, sub: s, names: names})
	return err
}

// Unsubscribe unsubscribes s from channels, or from all of them when
// there are none, queueing one confirmation per channel.
func (h *Hub) Unsubscribe(ctx context.Context, s *Subscriber, channels [][]byte) error {
	_, err := h.actor.Call(ctx, hubMsg{op: opUnsubscribe, sub: s, names: channels})
	return err
}

// PUnsubscribe is Unsubscribe for patterns.
func (h *Hub) PUnsubscribe(ctx context.Context, s *Subscriber, patterns [][]byte) error {
	_, err := h.actor.Call(ctx, hubMsg{op: opPUnsubscribe, sub: s, names: patterns})
	return err
}

// Drop removes every subscription of s, without confirmations: its
// connection is ending.
func (h *Hub) Drop(ctx context.Context, s *Subscriber) error {
	_, err := h.actor.Call(ctx, hubMsg{op: opDrop, sub: s})
	return err
}

// Publish queues payload for every subscriber of channel and of the
// patterns that match it, hands it to the Bus if there is one, and returns
// how many local subscriptions it reached, as a Redis Cluster node does.
func (h *Hub) Publish(ctx context.Context, channel, payload []byte) (int, error) {
	return h.actor.Call(ctx, hubMsg{op: opPublish, names: [][]byte{channel}, payload: payload})
}

// Deliver queues payload for the local subscribers of channel and of the
// matching patterns, as Publish does, but never hands it to the Bus: it is
// for a message that another instance's hub published. It returns how
// many subscriptions it reached.
func (h *Hub) Deliver(ctx context.Context, channel, payload []byte) (int, error) {
	return h.actor.Call(ctx, hubMsg{op: opDeliver, names: [][]byte{channel}, payload: payload})
}

// Message is one message of [Hub.DeliverAll].
type Message struct {
	Channel, Payload []byte
}

// DeliverAll queues each of msgs, in order, for the local subscribers of
// its channel and of the patterns that match it, as Deliver does, in one
// call to the hub; none is handed to the Bus. It is for messages a server
// makes about itself, such as kv's keyspace notifications, which Redis
// publishes only on the node that holds the key. A subscriber gets msgs
// in their order, and before anything published after DeliverAll
// returned. The slices belong to the caller: the hub copies what it keeps.
func (h *Hub) DeliverAll(ctx context.Context, msgs []Message) error {
	_, err := h.actor.Call(ctx, hubMsg{op: opDeliverAll, msgs: msgs})
	return err
}

// Channels returns the channels with at least one subscriber, those
// matching pattern if it is not nil.
func (h *Hub) Channels(ctx context.Context, pattern []byte) ([][]byte, error) {
	var out [][]byte
	m := hubMsg{op: opChannels, out: &out}
	if pattern != nil {
		m.names = [][]byte{pattern}
	}
	_, err := h.actor.Call(ctx, m)
	return out, err
}

// NumSub returns the number of subscribers of each channel, patterns not
// counted.
func (h *Hub) NumSub(ctx context.Context, channels [][]byte) ([]int, error) {
	counts := make([]int, 0, len(channels))
	_, err := h.actor.Call(ctx, hubMsg{op: opNumSub, names: channels, counts: &counts})
	return counts, err
}

// NumPat returns the number of patterns with a subscriber.
func (h *Hub) NumPat(ctx context.Context) (int, error) {
	return h.actor.Call(ctx, hubMsg{op: opNumPat})
}

// Crash makes the hub's handler panic, as a bug would: the supervisor
// restarts it empty and every subscribed connection is closed. It is a
// fault injection for tests and drills (kv's hidden DEBUG command).
func (h *Hub) Crash(ctx context.Context) error {
	_, err := h.actor.Call(ctx, hubMsg{op: opCrash})
	return err
}
