package natsbus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/supervisor"
)

// DefaultSubject is the NATS subject of a Bus whose Subject is empty.
const DefaultSubject = "seam.pubsub"

// reconnectWait is the pause between two attempts to reach NATS: short,
// because a fleet that delivers only locally is degraded.
const reconnectWait = 500 * time.Millisecond

// Bus is a suture.Service that carries messages between the instances of
// a program over NATS; see the package documentation. A pointer to a Bus
// has the method set of the kv example's pubsub.Bus.
//
// The fields are read when Serve starts; do not change them while it runs.
// URL and Deliver are required.
type Bus struct {
	// Name names the Bus in logs, String, metrics and its NATS
	// connection. Default "natsbus".
	Name string

	// URL is the NATS server's URL, or several separated by commas.
	URL string

	// Subject is the NATS subject every instance of the program
	// publishes to and subscribes to. Default [DefaultSubject]. Programs
	// that share a NATS server and must not hear each other use
	// different Subjects.
	Subject string

	// Deliver receives each message from another instance, one at a
	// time, in the order of arrival, with ctx the Serve's. channel and
	// payload are valid only until it returns. An error is counted
	// (Stats.Undelivered) and the message is lost.
	Deliver func(ctx context.Context, channel, payload []byte) error

	// Logger receives the losses and returns of NATS. The zero value
	// logs nothing.
	Logger zerolog.Logger

	readyOnce sync.Once
	closeOnce sync.Once
	ready     chan struct{}

	// stopMu is held for reading by each call of Deliver and for
	// writing by the stop, so that none runs once Serve has returned.
	stopMu  sync.RWMutex
	stopped bool

	conn        atomic.Pointer[nats.Conn]
	subject     string // resolved Subject, set before conn
	connected   atomic.Bool
	sent        atomic.Uint64
	dropped     atomic.Uint64
	received    atomic.Uint64
	undelivered atomic.Uint64
	malformed   atomic.Uint64
	disconnects atomic.Uint64
}

// String returns Name, or "natsbus".
func (b *Bus) String() string {
	if b.Name != "" {
		return b.Name
	}
	return "natsbus"
}

// Ready returns a channel closed once Serve has subscribed, whether NATS
// was reached or not, and never reopened. It may be called before Serve.
func (b *Bus) Ready() <-chan struct{} {
	b.readyOnce.Do(func() { b.ready = make(chan struct{}) })
	return b.ready
}

// Serve connects to NATS and subscribes, then carries messages until ctx
// ends; then it closes its connection, waits for Deliver's last call to
// return, and returns nil. NATS out of reach is not an error (see the
// package documentation). A missing field or a malformed URL is an error
// wrapping supervisor.ErrBadConfig and suture.ErrDoNotRestart.
func (b *Bus) Serve(ctx context.Context) error {
	subject := b.Subject
	if subject == "" {
		subject = DefaultSubject
	}
	if b.URL == "" || b.Deliver == nil {
		err := fmt.Errorf("natsbus: %w: %s needs a URL and a Deliver", supervisor.ErrBadConfig, b)
		b.Logger.Error().Err(err).Msg("bus not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	log := b.Logger.With().Str("service", b.String()).Logger()
	b.stopMu.Lock()
	b.stopped = false // a restarted Serve delivers again
	b.stopMu.Unlock()
	closed := make(chan struct{})
	nc, err := nats.Connect(b.URL,
		nats.Name(b.String()),
		nats.NoEcho(), // an instance delivers its own PUBLISHes itself
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		// No buffering while disconnected: a message published then is
		// dropped and counted, never sent late out of its moment.
		nats.ReconnectBufSize(-1),
		nats.ConnectHandler(func(*nats.Conn) { b.up(log, "NATS connected: messages reach other instances") }),
		nats.ReconnectHandler(func(*nats.Conn) { b.up(log, "NATS back: messages reach other instances again") }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if ctx.Err() != nil {
				return
			}
			b.connected.Store(false)
			b.disconnects.Add(1)
			log.Warn().Err(err).Msg("NATS lost: delivering locally only until it is back")
		}),
		// A server that stops answering (a partition, not a refusal) is
		// found out within a few seconds rather than NATS's default
		// minutes, and a write to it does not hold the caller for long.
		nats.PingInterval(2*time.Second),
		nats.MaxPingsOutstanding(2),
		nats.FlusherTimeout(time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				// NATS reports it once per episode, not per message.
				log.Warn().Err(err).Msg("messages from other instances dropped: delivery is slower than they arrive")
			}
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
	)
	if err != nil {
		err = fmt.Errorf("natsbus: %w: %s: %w", supervisor.ErrBadConfig, b, err)
		log.Error().Err(err).Msg("bus not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	if nc.IsConnected() {
		b.up(log, "NATS connected: messages reach other instances")
	} else {
		log.Warn().Str("url", b.URL).Msg("NATS not reached: delivering locally only until it is")
	}
	if _, err := nc.Subscribe(subject, func(m *nats.Msg) { b.receive(ctx, m.Data) }); err != nil {
		nc.Close()
		<-closed
		return fmt.Errorf("natsbus: subscribe %s: %w", subject, err)
	}
	if nc.IsConnected() {
		// The server has the subscription once this round trip is
		// back, so a message published elsewhere after Ready is heard.
		// Failing, it is sent again at the next connection.
		nc.FlushTimeout(reconnectWait)
	}
	b.subject = subject
	b.conn.Store(nc)
	b.Ready()
	b.closeOnce.Do(func() { close(b.ready) })

	<-ctx.Done()
	b.conn.Store(nil)
	b.connected.Store(false)
	b.stopMu.Lock()
	b.stopped = true
	b.stopMu.Unlock()
	nc.Close()
	<-closed
	return nil
}

// up records that NATS is reachable.
func (b *Bus) up(log zerolog.Logger, msg string) {
	if !b.connected.Swap(true) {
		log.Info().Msg(msg)
	}
}

func (b *Bus) receive(ctx context.Context, msg []byte) {
	channel, payload, err := decode(msg)
	if err != nil {
		b.malformed.Add(1)
		return
	}
	b.received.Add(1)
	b.stopMu.RLock()
	defer b.stopMu.RUnlock()
	if b.stopped {
		return
	}
	if err := b.Deliver(ctx, channel, payload); err != nil {
		b.undelivered.Add(1)
	}
}

// Publish sends channel and payload to the other instances, or drops
// them, counted, when the Bus is not running or NATS is out of reach. It
// does not wait for the other instances, keeps nothing of its arguments,
// and is safe for concurrent use; calls from one goroutine are delivered
// in their order.
func (b *Bus) Publish(channel, payload []byte) {
	nc := b.conn.Load()
	if nc == nil || !b.connected.Load() {
		b.dropped.Add(1)
		return
	}
	if err := nc.Publish(b.subject, encode(channel, payload)); err != nil {
		b.dropped.Add(1)
		return
	}
	b.sent.Add(1)
}
