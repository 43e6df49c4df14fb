package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/examples/kv/store"
	"github.com/seamgo/seam/supervisor"
)

// Keyspace notifications, Redis's notify-keyspace-events: a write
// publishes, through the pub/sub hub, __keyspace@<db>__:<key> with the
// event's name and __keyevent@<db>__:<event> with the key, for the event
// classes set. Commands note their events as they run (c.notify), after
// the store call that did what the event names; the store tells of the
// keys it adds and expires itself (a store.Notifier), under the key's
// lock. Both go into one queue, in order, and the connection hands the
// queue to the hub before it sends the replies to the commands that
// queued them (flush), and before anything it publishes: a client that
// saw its write answered knows the subscribers have its events queued,
// in the order of its writes, before anything it publishes next. A
// pipeline of writes costs one call to the hub. While no class is set a
// command pays one atomic load (and the store another where it adds or
// expires a key), and nothing is allocated.

// ErrBadConfig is returned for a configuration value kv cannot use. It
// wraps supervisor.ErrBadConfig, seam's one sentinel for a bad
// configuration.
var ErrBadConfig = fmt.Errorf("server: %w", supervisor.ErrBadConfig)

// KeyspaceEvents are the classes of keyspace notifications a [Handler]
// publishes: Redis's notify-keyspace-events. The zero value publishes
// none; [ParseKeyspaceEvents] reads Redis's letters.
type KeyspaceEvents uint32

// The classes, with Redis's bits (server.h) and letters.
const (
	evKeyspace KeyspaceEvents = 1 << 0  // K: __keyspace@<db>__:<key> channels
	evKeyevent KeyspaceEvents = 1 << 1  // E: __keyevent@<db>__:<event> channels
	evGeneric  KeyspaceEvents = 1 << 2  // g: DEL, EXPIRE, RENAME...
	evString   KeyspaceEvents = 1 << 3  // $
	evList     KeyspaceEvents = 1 << 4  // l
	evSet      KeyspaceEvents = 1 << 5  // s
	evHash     KeyspaceEvents = 1 << 6  // h
	evZSet     KeyspaceEvents = 1 << 7  // z
	evExpired  KeyspaceEvents = 1 << 8  // x
	evEvicted  KeyspaceEvents = 1 << 9  // e: kv evicts nothing
	evStream   KeyspaceEvents = 1 << 10 // t
	evKeyMiss  KeyspaceEvents = 1 << 11 // m: not part of A, as in Redis
	evModule   KeyspaceEvents = 1 << 13 // d: kv has no modules
	evNew      KeyspaceEvents = 1 << 14 // n: not part of A, as in Redis
	evAll                     = evGeneric | evString | evList | evSet | evHash | evZSet | evExpired | evEvicted | evStream | evModule
)

// eventLetters are the letters of the classes, in the order Redis writes
// them back (keyspaceEventsFlagsToString): the types', which A replies
// for when all of evAll are set, then the channels' and m's.
var eventLetters = []struct {
	class  KeyspaceEvents
	letter byte
	typed  bool // written only without A
}{
	{evGeneric, 'g', true}, {evString, '$', true}, {evList, 'l', true}, {evSet, 's', true},
	{evHash, 'h', true}, {evZSet, 'z', true}, {evExpired, 'x', true}, {evEvicted, 'e', true},
	{evStream, 't', true}, {evModule, 'd', true}, {evNew, 'n', true},
	{evKeyspace, 'K', false}, {evKeyevent, 'E', false}, {evKeyMiss, 'm', false},
}

// ParseKeyspaceEvents reads Redis's notify-keyspace-events letters
// (K E g $ l s h z x e t m d n, and A for g$lshzxetd); "" is none. Any
// other letter is an error wrapping ErrBadConfig.
func ParseKeyspaceEvents(s string) (KeyspaceEvents, error) {
	var ev KeyspaceEvents
	for i := range len(s) {
		if s[i] == 'A' {
			ev |= evAll
			continue
		}
		found := false
		for _, l := range eventLetters {
			if l.letter == s[i] {
				ev |= l.class
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("%w: notify-keyspace-events %q: %s", ErrBadConfig, s, errEventClass)
		}
	}
	return ev, nil
}

// errEventClass is Redis's text for a letter that is no class.
const errEventClass = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// String returns the classes as Redis's CONFIG GET writes them: A for all
// of g$lshzxetd (and then, as in Redis, no n even if it is set), or the
// letters of those set, then K, E and m.
func (ev KeyspaceEvents) String() string {
	var b []byte
	all := ev&evAll == evAll
	if all {
		b = append(b, 'A')
	}
	for _, l := range eventLetters {
		if ev&l.class != 0 && !(all && l.typed) {
			b = append(b, l.letter)
		}
	}
	return string(b)
}

// published returns the classes whose events are published: none unless K
// or E names a kind of channel to publish them on.
func (ev KeyspaceEvents) published() KeyspaceEvents {
	if ev&(evKeyspace|evKeyevent) == 0 {
		return 0
	}
	return ev
}

// notifier queues keyspace events and hands them to the hub in order. It
// is the store's Notifier too.
type notifier struct {
	hub   *pubsub.Hub // nil: nothing is published
	store *store.Store
	on    atomic.Uint32 // the classes published: set's, or 0 (KeyspaceEvents.published)

	setMu sync.Mutex     // orders the changes of set
	set   KeyspaceEvents // what CONFIG SET gave, for CONFIG GET

	mu    sync.Mutex   // guards queue and keys
	queue []event      // the events not yet taken by a delivery
	keys  []byte       // their keys, one after the other
	owed  atomic.Int64 // events queued or being delivered

	send   sync.Mutex // one delivery at a time, in the queue's order; guards the rest
	spareQ []event    // the other queue
	spareK []byte
	msgs   []pubsub.Message
	spans  []span // where each message is in buf
	buf    []byte // the messages' channels and payloads
}

// span is where a message's channel and payload are in notifier.buf.
type span struct{ ch, chEnd, pl, plEnd int }

// keepBuffers is the size up to which a delivery's buffers are kept for
// the next: a burst of events does not pin its memory.
const keepBuffers = 64 << 10

// event is one keyspace event: its name, its key (keys[end-len:end]) and
// its database, and the kinds of channel it goes to.
type event struct {
	name  string
	end   int
	len   int
	db    int
	chans KeyspaceEvents // evKeyspace, evKeyevent or both
}

// init readies n for the hub and the store, with the classes ev.
func (n *notifier) init(hub *pubsub.Hub, st *store.Store, ev KeyspaceEvents) {
	n.hub, n.store = hub, st
	n.configure(ev)
}

// configure sets the classes published from now on.
func (n *notifier) configure(ev KeyspaceEvents) {
	n.setMu.Lock()
	defer n.setMu.Unlock()
	n.set = ev
	on := ev.published()
	if n.hub == nil {
		on = 0 // no pub/sub: nobody could hear them
	}
	n.on.Store(uint32(on))
	var mask store.KeyEvent
	if on&evNew != 0 {
		mask |= store.KeyNew
	}
	if on&evExpired != 0 {
		mask |= store.KeyExpired
	}
	if on&evKeyMiss != 0 {
		mask |= store.KeyMiss
	}
	n.store.SetNotifier(n, mask)
}

// classes returns what CONFIG SET set.
func (n *notifier) classes() KeyspaceEvents {
	n.setMu.Lock()
	defer n.setMu.Unlock()
	return n.set
}

// published returns the classes published now: one atomic load.
func (n *notifier) published() KeyspaceEvents { return KeyspaceEvents(n.on.Load()) }

// Notify is the store's: a key added, expired, or found missing by a
// write that reads it first, under its shard's lock.
func (n *notifier) Notify(db int, ev store.KeyEvent, key string) {
	on := n.published()
	switch {
	case ev == store.KeyNew && on&evNew != 0:
		addEvent(n, on, db, "new", key)
	case ev == store.KeyExpired && on&evExpired != 0:
		addEvent(n, on, db, "expired", key)
	case ev == store.KeyMiss && on&evKeyMiss != 0:
		addEvent(n, on, db, "keymiss", key)
	}
}

// addEvent queues an event, to the kinds of channel that on, the classes
// published, name.
func addEvent[K string | []byte](n *notifier, on KeyspaceEvents, db int, name string, key K) {
	n.mu.Lock()
	n.keys = append(n.keys, key...)
	n.queue = append(n.queue, event{name: name, end: len(n.keys), len: len(key), db: db, chans: on & (evKeyspace | evKeyevent)})
	n.owed.Add(1)
	n.mu.Unlock()
}

// deliver hands the events queued so far to the hub, in order, and
// returns once it has: those queued by another delivery in progress
// included, which it waits for.
func (n *notifier) deliver() {
	if n.owed.Load() == 0 {
		return
	}
	n.send.Lock()
	defer n.send.Unlock()
	n.mu.Lock()
	evs, keys := n.queue, n.keys
	n.queue, n.keys = n.spareQ[:0], n.spareK[:0]
	n.mu.Unlock()
	if len(evs) == 0 {
		n.spareQ, n.spareK = evs, keys
		return
	}
	n.publish(evs, keys)
	n.owed.Add(-int64(len(evs)))
	if cap(keys) > keepBuffers || cap(evs) > keepBuffers/32 {
		evs, keys = nil, nil
	}
	n.spareQ, n.spareK = evs[:0], keys[:0]
}

// publish hands evs to the hub: Redis publishes the __keyspace@ message
// first, then the __keyevent@ one. Delivery is at most once, as PUBLISH
// is: events the hub could not take (it is restarting) are lost.
func (n *notifier) publish(evs []event, keys []byte) {
	idx, b := n.spans[:0], n.buf[:0]
	for _, ev := range evs {
		key := keys[ev.end-ev.len : ev.end]
		var s span
		if ev.chans&evKeyspace != 0 {
			b, s = appendMessage(b, "__keyspace@", ev.db, key, ev.name)
			idx = append(idx, s)
		}
		if ev.chans&evKeyevent != 0 {
			b, s = appendMessage(b, "__keyevent@", ev.db, ev.name, key)
			idx = append(idx, s)
		}
	}
	msgs := n.msgs[:0]
	for _, s := range idx {
		msgs = append(msgs, pubsub.Message{Channel: b[s.ch:s.chEnd:s.chEnd], Payload: b[s.pl:s.plEnd:s.plEnd]})
	}
	_ = n.hub.DeliverAll(context.Background(), msgs)
	clear(msgs)
	if cap(b) > keepBuffers || cap(msgs) > keepBuffers/32 {
		msgs, idx, b = nil, nil, nil
	}
	n.msgs, n.spans, n.buf = msgs[:0], idx[:0], b[:0]
}

// appendMessage appends to b the channel prefix<db>__:<tail> and then the
// payload, and returns where each is.
func appendMessage[T, P string | []byte](b []byte, prefix string, db int, tail T, payload P) ([]byte, span) {
	s := span{ch: len(b)}
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, "__:"...)
	b = append(b, tail...)
	s.chEnd, s.pl = len(b), len(b)
	b = append(b, payload...)
	s.plEnd = len(b)
	return b, s
}

// notify queues the event name of class about key, in the connection's
// database, if the class is published: the command's own events, after
// the store call that did what they name. It marks key's watchers dirty
// too (WATCH): Redis calls signalModifiedKey where it sends a write's
// event, so a write that changed nothing, and sent nothing, leaves a
// transaction watching its keys alone. While notifications are off and
// no one watches it costs the test of a field and one atomic load. It
// must not be called with a shard locked (see queueEvent).
func (c *conn) notify(class KeyspaceEvents, name string, key []byte) {
	c.queueEvent(class, name, key)
	c.touch(c.db.Index(), key)
}

// notifyDB is notify for a key of database db (COPY ... DB, MOVE).
func (c *conn) notifyDB(db int, class KeyspaceEvents, name string, key []byte) {
	if c.events&class != 0 {
		addEvent(&c.h.notify, c.events, db, name, key)
	}
	c.touch(db, key)
}

// queueEvent is notify without the mark for WATCH: for an event that is
// no write's ("keymiss"), and for one sent from a store callback with
// shards locked, where the watchers' lock may not be taken (touchExisting
// takes it, then a shard's); the caller marks the keys once the store
// call returns.
func (c *conn) queueEvent(class KeyspaceEvents, name string, key []byte) {
	if c.events&class != 0 {
		addEvent(&c.h.notify, c.events, c.db.Index(), name, key)
	}
}

// touch marks dirty the watchers of key in db, if anyone watches a key.
func (c *conn) touch(db int, key []byte) {
	if c.h.watches.count.Load() != 0 {
		c.h.watches.touch(db, key)
	}
}

// notifyPop is notify for a blocking command's pop, which may run on
// behalf of a blocked client c, served by another client's write: c's
// events are those of its own command, long past, so it reads the classes
// published now.
func (c *conn) notifyPop(db int, class KeyspaceEvents, name string, key []byte) {
	if on := c.h.notify.published(); on&class != 0 {
		addEvent(&c.h.notify, on, db, name, key)
	}
}

// publishEvents hands the events queued so far to the hub if the
// connection's commands may have queued some: before their replies are
// sent (flush) and before anything it publishes, so that a client's
// events come in the order of its writes and before what it does next.
// Once per burst of commands, not per command: a pipeline of writes
// costs one call to the hub.
func (c *conn) publishEvents() {
	if c.owes {
		c.owes = false
		c.h.notify.deliver()
	}
}

// writeRemoved answers a command that removed n elements (SREM, HDEL,
// LREM, ZREM...) with n, after queueing its events if it removed any.
func (c *conn) writeRemoved(class KeyspaceEvents, name string, key []byte, n int, gone bool, err error) {
	if n > 0 {
		c.notifyRemoved(class, name, key, gone)
	}
	c.writeCount(n, err)
}

// notifyRemoved queues the events of a write that removed elements: name,
// then "del" if the key went with its last one.
func (c *conn) notifyRemoved(class KeyspaceEvents, name string, key []byte, gone bool) {
	c.notify(class, name, key)
	if gone {
		c.notify(evGeneric, "del", key)
	}
}

// notifyStored queues the events of a STORE form that left n elements in
// dst: name, or "del" when it left none where dst was (the "new" of a
// dst that was missing is the store's).
func (c *conn) notifyStored(class KeyspaceEvents, name string, dst []byte, n int, existed bool) {
	switch {
	case n > 0:
		c.notify(class, name, dst)
	case existed:
		c.notify(evGeneric, "del", dst)
	}
}

// missed counts a read of a missing key in keyspace_misses and queues its
// "keymiss" event, as Redis's lookupKeyRead does for every key a command
// reads (not for those a write looks up).
func (c *conn) missed(key []byte) {
	c.misses++
	c.queueEvent(evKeyMiss, "keymiss", key)
}

// countLookup is lookedUp for a write that reads its key first (SET ...
// GET, GETSET): it counts only, as the store told of a miss itself
// (store.KeyMiss), before the "new" of the key the write then adds.
func (c *conn) countLookup(found bool, err error) {
	if found || errors.Is(err, store.ErrWrongType) {
		c.hits++
	} else {
		c.misses++
	}
}

// lookedUp counts a command's read of key: a hit if the key was found, a
// miss (missed) if not. err is the read's: a key of another type than the
// command's was found, as Redis looks a key up before it checks the type.
// The counts are the connection's, added to the Handler's once per burst
// (addStats): no shared counter is written per read.
func (c *conn) lookedUp(key []byte, found bool, err error) {
	if found || errors.Is(err, store.ErrWrongType) {
		c.hits++
		return
	}
	c.missed(key)
}

// notifyPopped is notifyRemoved for a blocking command's pop (notifyPop).
func (c *conn) notifyPopped(db int, class KeyspaceEvents, name string, key []byte, gone bool) {
	c.notifyPop(db, class, name, key)
	if gone {
		c.notifyPop(db, evGeneric, "del", key)
	}
}
