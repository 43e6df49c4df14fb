package pubsub

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/services"
)

// Config configures a [Hub]. The zero value works.
type Config struct {
	// Name names the hub's service. Default "pubsub".
	Name string
	// Limits bound each subscriber's queue. Zero fields take
	// [DefaultLimits].
	Limits Limits
	// Mailbox is the hub's mailbox size; default services.Actor's.
	Mailbox int
	// Logger receives the hub's start and stop, and one line for each
	// subscriber closed at its output limit.
	Logger zerolog.Logger
	// Bus, if set, carries every PUBLISH made on this hub to the hubs of
	// other instances, which hand it to [Hub.Deliver]. Nil: PUB/SUB stays
	// within this process.
	Bus Bus
}

// Bus carries PUBLISHes between the hubs of several instances of one
// program, so that a message published on one reaches the subscribers of
// all. The kv example's module cannot depend on a message broker; a
// program that has one implements Bus with it.
type Bus interface {
	// Publish sends one message to the other instances. The hub calls
	// it on its own goroutine after the local fan-out, in the order of
	// the PUBLISHes, so a Bus that keeps that order keeps each
	// publisher's. It must not wait for the other instances, nor keep
	// channel or payload after it returns. Delivery is at most once, as
	// in Redis: a message a Bus cannot send is lost.
	Publish(channel, payload []byte)
}

// Hub owns the subscriptions of every connection: a service (run it in the
// tree before the listener) whose methods are messages to it, handled one
// at a time. Its state is rebuilt empty when it restarts, and the
// connections subscribed with the failed incarnation are closed.
type Hub struct {
	cfg   Config
	actor services.Actor[hubState, hubMsg, int]

	cuts     atomic.Uint64 // subscribers closed at their output limit
	channels atomic.Int64  // channels with a subscriber, for INFO
	patterns atomic.Int64
}

// NewHub returns a Hub for cfg; serve it as a suture.Service.
func NewHub(cfg Config) *Hub {
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Name == "" {
		cfg.Name = "pubsub"
	}
	h := &Hub{cfg: cfg}
	h.actor = services.Actor[hubState, hubMsg, int]{
		Name:    cfg.Name,
		Mailbox: cfg.Mailbox,
		Logger:  cfg.Logger,
		Init:    h.init,
		Handle:  h.handle,
	}
	return h
}

// Serve runs the hub until ctx ends; see services.Actor.Serve.
func (h *Hub) Serve(ctx context.Context) error { return h.actor.Serve(ctx) }

// Ready is closed once the hub runs; see services.Actor.Ready.
func (h *Hub) Ready() <-chan struct{} { return h.actor.Ready() }

// String returns the hub's name.
func (h *Hub) String() string { return h.actor.String() }

// Limits returns the subscribers' limits, defaults filled in.
func (h *Hub) Limits() Limits { return h.cfg.Limits }

// Cuts returns how many subscribers were closed at their output limit.
func (h *Hub) Cuts() uint64 { return h.cuts.Load() }

// Counts returns the number of channels and of patterns with a
// subscriber, as INFO's pubsub_channels and pubsub_patterns.
func (h *Hub) Counts() (channels, patterns int64) { return h.channels.Load(), h.patterns.Load() }

// op is what a message to the hub asks.
type op uint8

const (
	opSubscribe op = iota
	opUnsubscribe
	opPSubscribe
	opPUnsubscribe
	opDrop
	opPublish
	opDeliver
	opDeliverAll
	opChannels
	opNumSub
	opNumPat
	opCrash
)

// hubMsg is one request. The byte slices belong to the caller, which waits
// for the reply: the hub copies what it keeps.
type hubMsg struct {
	op      op
	sub     *Subscriber
	names   [][]byte
	payload []byte
	msgs    []Message // DeliverAll's
	out     *[][]byte // where Channels puts its answer
	counts  *[]int    // where NumSub puts its answer
}

// hubState is the hub's state, owned by its goroutine.
type hubState struct {
	channels map[string]map[*Subscriber]struct{}
	patterns map[string]map[*Subscriber]struct{}
	subs     map[*Subscriber]*subscriptions
	frame    []byte // scratch for building frames
}

// subscriptions are one subscriber's channels and patterns.
type subscriptions struct {
	channels map[string]struct{}
	patterns map[string]struct{}
}

func (s *subscriptions) count() int { return len(s.channels) + len(s.patterns) }

func (h *Hub) init(context.Context) (hubState, error) {
	h.channels.Store(0)
	h.patterns.Store(0)
	return hubState{
		channels: map[string]map[*Subscriber]struct{}{},
		patterns: map[string]map[*Subscriber]struct{}{},
		subs:     map[*Subscriber]*subscriptions{},
	}, nil
}

// errCrash is the panic of Crash's message.
var errCrash = errors.New("pubsub: hub crash requested")

func (h *Hub) handle(_ context.Context, st *hubState, m hubMsg) (int, error) {
	switch m.op {
	case opSubscribe, opPSubscribe:
		h.subscribe(st, m)
	case opUnsubscribe, opPUnsubscribe:
		h.unsubscribe(st, m)
	case opDrop:
		h.drop(st, m.sub)
	case opPublish:
		n := h.publish(st, m.names[0], m.payload)
		if h.cfg.Bus != nil {
			h.cfg.Bus.Publish(m.names[0], m.payload)
		}
		return n, nil
	case opDeliver:
		return h.publish(st, m.names[0], m.payload), nil
	case opDeliverAll:
		for _, msg := range m.msgs {
			h.publish(st, msg.Channel, msg.Payload)
		}
	case opChannels:
		for name := range st.channels {
			if len(m.names) == 0 || store.Match(string(m.names[0]), name) {
				*m.out = append(*m.out, []byte(name))
			}
		}
	case opNumSub:
		for _, name := range m.names {
			*m.counts = append(*m.counts, len(st.channels[string(name)]))
		}
	case opNumPat:
		return len(st.patterns), nil
	case opCrash:
		panic(errCrash)
	}
	return 0, nil
}

// kinds returns the index, the reply kind of a confirmation and the
// subscriber sets of a (un)subscription to channels or to patterns.
func kinds(st *hubState, o op) (pattern bool, kind string, sets map[string]map[*Subscriber]struct{}) {
	switch o {
	case opSubscribe:
		return false, "subscribe", st.channels
	case opUnsubscribe:
		return false, "unsubscribe", st.channels
	case opPSubscribe:
		return true, "psubscribe", st.patterns
	default:
		return true, "punsubscribe", st.patterns
	}
}

func (h *Hub) subscribe(st *hubState, m hubMsg) {
	pattern, kind, sets := kinds(st, m.op)
	subs := st.subs[m.sub]
	if subs == nil {
		subs = &subscriptions{channels: map[string]struct{}{}, patterns: map[string]struct{}{}}
		st.subs[m.sub] = subs
	}
	mine := subs.channels
	if pattern {
		mine = subs.patterns
	}
	for _, b := range m.names {
		name := string(b)
		if _, ok := mine[name]; !ok {
			mine[name] = struct{}{}
			set := sets[name]
			if set == nil {
				set = map[*Subscriber]struct{}{}
				sets[name] = set
			}
			set[m.sub] = struct{}{}
		}
		m.sub.count.Store(int32(subs.count()))
		if !h.confirm(st, m.sub, kind, b, true, subs.count()) {
			return
		}
	}
	h.recount(st)
}

func (h *Hub) unsubscribe(st *hubState, m hubMsg) {
	pattern, kind, sets := kinds(st, m.op)
	subs := st.subs[m.sub]
	names := m.names
	if len(names) == 0 && subs != nil {
		mine := subs.channels
		if pattern {
			mine = subs.patterns
		}
		for name := range mine {
			names = append(names, []byte(name))
		}
	}
	if len(names) == 0 {
		// Not subscribed to any: Redis answers with a nil name.
		n := 0
		if subs != nil {
			n = subs.count()
		}
		h.confirm(st, m.sub, kind, nil, false, n)
		return
	}
	for _, b := range names {
		name := string(b)
		if subs != nil {
			mine := subs.channels
			if pattern {
				mine = subs.patterns
			}
			if _, ok := mine[name]; ok {
				delete(mine, name)
				removeFrom(sets, name, m.sub)
			}
		}
		n := 0
		if subs != nil {
			n = subs.count()
		}
		m.sub.count.Store(int32(n))
		if !h.confirm(st, m.sub, kind, b, true, n) {
			return
		}
	}
	if subs != nil && subs.count() == 0 {
		delete(st.subs, m.sub)
		m.sub.setLink(nil)
	}
	h.recount(st)
}

func removeFrom(sets map[string]map[*Subscriber]struct{}, name string, s *Subscriber) {
	set := sets[name]
	delete(set, s)
	if len(set) == 0 {
		delete(sets, name)
	}
}

// confirm queues a (un)subscription's confirmation frame, Redis's
// *3 kind name count (name nil when hasName is false). A subscriber that
// cannot take it is dropped.
func (h *Hub) confirm(st *hubState, s *Subscriber, kind string, name []byte, hasName bool, n int) bool {
	f := append(st.frame[:0], "*3\r\n"...)
	f = appendBulk(f, []byte(kind))
	if hasName {
		f = appendBulk(f, name)
	} else if s.resp3.Load() {
		f = append(f, "_\r\n"...) // RESP3's null
	} else {
		f = append(f, "$-1\r\n"...)
	}
	f = append(f, ':')
	f = strconv.AppendInt(f, int64(n), 10)
	f = append(f, "\r\n"...)
	st.frame = f
	return h.deliver(st, s, f)
}

// deliver queues f for s; a subscriber closed meanwhile (its limit, its
// connection) is dropped from every subscription.
func (h *Hub) deliver(st *hubState, s *Subscriber, f []byte) bool {
	err := s.pushMessage(f)
	if err == nil {
		return true
	}
	if errors.Is(err, ErrOutputLimit) {
		if _, ok := st.subs[s]; ok {
			h.cuts.Add(1)
			h.cfg.Logger.Warn().Str("service", h.String()).Str("remote", s.nc.RemoteAddr().String()).
				Int("hard_limit", s.limits.Hard).Int("soft_limit", s.limits.Soft).Stringer("soft_seconds", s.limits.SoftFor).
				Msg("pub/sub client closed for overcoming of output buffer limits")
		}
	}
	h.drop(st, s)
	return false
}

// drop removes every subscription of s.
func (h *Hub) drop(st *hubState, s *Subscriber) {
	subs := st.subs[s]
	if subs == nil {
		return
	}
	for name := range subs.channels {
		removeFrom(st.channels, name, s)
	}
	for name := range subs.patterns {
		removeFrom(st.patterns, name, s)
	}
	delete(st.subs, s)
	s.count.Store(0)
	h.recount(st)
}

func (h *Hub) recount(st *hubState) {
	h.channels.Store(int64(len(st.channels)))
	h.patterns.Store(int64(len(st.patterns)))
}

// publish queues the message for every subscriber of the channel and of a
// matching pattern, and returns how many it reached.
func (h *Hub) publish(st *hubState, channel, payload []byte) int {
	n := 0
	if set := st.channels[string(channel)]; len(set) > 0 {
		f := append(st.frame[:0], "*3\r\n$7\r\nmessage\r\n"...)
		f = appendBulk(f, channel)
		f = appendBulk(f, payload)
		st.frame = f
		n += h.fanOut(st, set, f)
	}
	if len(st.patterns) > 0 {
		ch := string(channel)
		for pat, set := range st.patterns {
			if !store.Match(pat, ch) {
				continue
			}
			f := append(st.frame[:0], "*4\r\n$8\r\npmessage\r\n"...)
			f = appendBulk(f, []byte(pat))
			f = appendBulk(f, channel)
			f = appendBulk(f, payload)
			st.frame = f
			n += h.fanOut(st, set, f)
		}
	}
	return n
}

// fanOut queues frame f for every subscriber in set and returns how many
// took it.
func (h *Hub) fanOut(st *hubState, set map[*Subscriber]struct{}, f []byte) int {
	n := 0
	for s := range set {
		if h.deliver(st, s, f) {
			n++
		}
	}
	return n
}

func appendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, b...)
	return append(dst, "\r\n"...)
}
