package pubsub

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound a subscriber's queued output, as Redis's
// client-output-buffer-limit for the pubsub class: a subscriber whose
// queue (what has not reached its socket yet) passes Hard, or stays above
// Soft for SoftFor, is closed. Zero fields take Redis's defaults; a
// negative Hard or Soft disables that limit.
type Limits struct {
	Hard    int
	Soft    int
	SoftFor time.Duration
}

// DefaultLimits are Redis 7's: client-output-buffer-limit pubsub 32mb 8mb 60.
var DefaultLimits = Limits{Hard: 32 << 20, Soft: 8 << 20, SoftFor: 60 * time.Second}

func (l Limits) withDefaults() Limits {
	if l.Hard == 0 {
		l.Hard = DefaultLimits.Hard
	}
	if l.Soft == 0 {
		l.Soft = DefaultLimits.Soft
	}
	if l.SoftFor == 0 {
		l.SoftFor = DefaultLimits.SoftFor
	}
	return l
}

// Why a subscriber's connection was closed by the pub/sub side.
var (
	// ErrOutputLimit: its queue passed the hard limit, or the soft one for
	// too long.
	ErrOutputLimit = errors.New("pubsub: subscriber closed for overcoming of output buffer limits")
	// ErrHubRestarted: the hub it was subscribed with failed; its
	// subscriptions are gone.
	ErrHubRestarted = errors.New("pubsub: subscriber closed because the pub/sub hub restarted")
)

// lingerFor bounds how long a subscriber that is closing may take to send
// what it still has queued (a QUIT's +OK) to a client that does not read.
const lingerFor = 5 * time.Second

// bigBuffer is the capacity above which a drained buffer is dropped rather
// than kept, so a burst does not pin its memory on an idle subscriber.
const bigBuffer = 64 << 10

// Subscriber is one connection's side of pub/sub: a queue of output and a
// goroutine that writes it to the connection. Once a connection has one,
// everything it sends goes through the queue (Write), so its own replies
// and the messages the hub pushes reach the client in one order.
type Subscriber struct {
	nc     net.Conn
	limits Limits
	now    func() time.Time

	mu        sync.Mutex
	buf       []byte // queued, not yet taken by the writer
	spare     []byte // the writer's other buffer
	writing   int    // bytes taken by the writer and not yet written
	softSince time.Time
	link      <-chan struct{} // the hub incarnation it is subscribed with; nil when not subscribed
	closing   bool
	err       error // why it is closed; set once
	wake      chan struct{}
	done      chan struct{}

	count atomic.Int32 // subscriptions (channels and patterns); written by the hub
	resp3 atomic.Bool  // the connection speaks RESP3: the hub's frames are pushes
}

// SetProto tells the hub which protocol the connection speaks: in RESP3
// (3) confirmations and messages are push frames ('>'), in RESP2 arrays.
func (s *Subscriber) SetProto(v int) { s.resp3.Store(v == 3) }

// NewSubscriber returns a Subscriber writing to nc; Start runs its writer.
func NewSubscriber(nc net.Conn, limits Limits) *Subscriber {
	return &Subscriber{
		nc:     nc,
		limits: limits.withDefaults(),
		now:    time.Now,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

// Start starts the goroutine that writes the queue; Close waits for it.
func (s *Subscriber) Start() { go s.run() }

// Subscribed reports whether the connection holds any subscription, which
// restricts the commands it may send (Redis's subscribed state).
func (s *Subscriber) Subscribed() bool { return s.count.Load() > 0 }

// Err returns why the subscriber was closed by pub/sub ([ErrOutputLimit],
// [ErrHubRestarted]) or by a failed write, or nil.
func (s *Subscriber) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Write queues p, the connection's own replies. It never blocks on the
// client; it fails once the subscriber is closed.
func (s *Subscriber) Write(p []byte) (int, error) {
	if err := s.push(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// push queues a frame and enforces the limits. It returns the error that
// closed the subscriber, if it is closed.
func (s *Subscriber) push(p []byte) error { return s.queue(p, false) }

// pushMessage queues f, an array frame of the hub's, as a push frame if
// the connection speaks RESP3. f is shared by every subscriber it goes
// to, so the type byte is changed in the queued copy.
func (s *Subscriber) pushMessage(f []byte) error { return s.queue(f, s.resp3.Load()) }

func (s *Subscriber) queue(p []byte, asPush bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	at := len(s.buf)
	s.buf = append(s.buf, p...)
	if asPush {
		s.buf[at] = '>'
	}
	pending := len(s.buf) + s.writing
	l := s.limits
	switch {
	case l.Hard > 0 && pending > l.Hard:
		s.failLocked(ErrOutputLimit)
		return s.err
	case l.Soft > 0 && pending > l.Soft:
		now := s.now()
		if s.softSince.IsZero() {
			s.softSince = now
		} else if now.Sub(s.softSince) >= l.SoftFor {
			s.failLocked(ErrOutputLimit)
			return s.err
		}
	default:
		s.softSince = time.Time{}
	}
	s.signal()
	return nil
}

func (s *Subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// failLocked closes the subscriber for err: its queue is dropped and its
// connection's reads and writes fail at once, so its handler returns and
// the listener closes it.
func (s *Subscriber) failLocked(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	s.buf, s.spare = nil, nil
	// The past deadline ends a write in progress (the writer's, to a
	// client that does not read) and an awake handler's read; the close
	// reaches a hibernated connection, whose handler is not reading:
	// the listener that holds it wakes it to end.
	_ = s.nc.SetDeadline(time.Unix(1, 0))
	_ = s.nc.Close()
	s.signal()
}

// setLink records the hub incarnation the subscriber is subscribed with,
// or nil once it holds no subscription.
func (s *Subscriber) setLink(done <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != done {
		s.link = done
		s.signal()
	}
}

// Close ends the writer once it has sent what is queued (for at most
// lingerFor to a client that does not read) and waits for it.
func (s *Subscriber) Close() {
	s.mu.Lock()
	s.closing = true
	s.signal()
	failed := s.err != nil
	s.mu.Unlock()
	if !failed {
		// Not after a failure: its deadline in the past must stand.
		_ = s.nc.SetWriteDeadline(time.Now().Add(lingerFor))
	}
	<-s.done
}

// run writes the queue to the connection until Close or a failure.
func (s *Subscriber) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.buf) == 0 && s.err == nil && !s.closing {
			link := s.link
			s.mu.Unlock()
			select {
			case <-s.wake:
			case <-link:
				s.mu.Lock()
				if s.link == link {
					s.failLocked(ErrHubRestarted)
				}
				s.mu.Unlock()
			}
			s.mu.Lock()
		}
		if s.err != nil || len(s.buf) == 0 {
			s.mu.Unlock()
			return
		}
		out := s.buf
		s.buf = s.spare[:0]
		s.writing = len(out)
		s.mu.Unlock()

		_, err := s.nc.Write(out)

		s.mu.Lock()
		s.writing = 0
		if cap(out) <= bigBuffer {
			s.spare = out[:0]
		} else {
			s.spare = nil
		}
		if err != nil {
			s.failLocked(err)
		}
		s.mu.Unlock()
	}
}
