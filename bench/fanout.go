package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/internal/loopback"
)

// The pub/sub fan-out workload: one publisher, many subscribers of one
// channel, on the systems that speak pub/sub (the kv example, whose hub is
// an actor, and redis-server). Each message's payload is its sequence
// number in seqDigits digits, so every push frame has the same length and
// a subscriber checks that it got every message, in order, byte for byte
// as redis-server 7 frames it.
const (
	fanoutChannel = "fanout"
	seqDigits     = 12
)

var (
	// subscribeReply is redis's confirmation of SUBSCRIBE fanout: the
	// connection's first subscription.
	subscribeReply = []byte("*3\r\n$9\r\nsubscribe\r\n$6\r\n" + fanoutChannel + "\r\n:1\r\n")
	// messagePrefix is a message frame up to its payload.
	messagePrefix = []byte("*3\r\n$7\r\nmessage\r\n$6\r\n" + fanoutChannel + "\r\n$" + strconv.Itoa(seqDigits) + "\r\n")
)

// The fan-out figures.
var (
	figSubRSS = figure{key: "rss_sub", unit: "KiB"}
)

func fanoutFig(subscribers, pipeline int) figure {
	return figure{
		key:  fmt.Sprintf("fanout_p%d", pipeline),
		name: fmt.Sprintf("PUBLISH fan-out, 1 publisher → %d subscribers, pipeline %d", subscribers, pipeline),
		unit: "msg/s",
	}
}

// fanoutSystems are the systems with pub/sub. The baseline and redcon
// serve server.Handler without a hub, so they have no such figure.
func fanoutSystems(systems []system) []system {
	var out []system
	for _, s := range systems {
		if s == sysSeam || s == sysRedis {
			out = append(out, s)
		}
	}
	return out
}

// fanout runs one round: fresh servers, the memory of the idle subscribers
// on each, then the delivery rate at each pipeline depth on each in turn,
// so that the systems compared are measured seconds apart.
func (h *harness) fanout(ctx context.Context, systems []system, round int) error {
	procs, stopAll, err := h.startEach(ctx, fanoutSystems(systems), h.startPubSub, nil)
	if err != nil {
		return err
	}
	defer stopAll()
	f := figSubRSS
	f.name = fmt.Sprintf("resident memory per idle subscriber (%s subscribed)", thousands(h.cfg.idleSubscribers))
	for _, s := range procs {
		kib, err := idleSubscriberRSS(ctx, s, h.cfg.idleSubscribers)
		if err != nil {
			return fmt.Errorf("%s: idle subscribers: %w", s.sys, err)
		}
		h.add(f, s.sys, round, kib)
	}
	for _, p := range h.cfg.fanoutPipelines {
		n := h.cfg.messages
		if p > 1 {
			n = h.cfg.pipelinedMessages
		}
		for _, s := range procs {
			runCtx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
			rate, err := runFanout(runCtx, pubsubLoad{
				addr: s.addr, subscribers: h.cfg.subscribers, messages: n, pipeline: p,
			})
			cancel()
			if err != nil {
				return fmt.Errorf("%s: fan-out, pipeline %d: %w", s.sys, p, err)
			}
			h.add(fanoutFig(h.cfg.subscribers, p), s.sys, round, rate)
		}
	}
	return stopAll()
}

// startPubSub starts a system with pub/sub: for seam, the kv example
// itself (bench/cmd/seamkv has no hub), whatever -seam says.
func (h *harness) startPubSub(ctx context.Context, sys system) (*process, error) {
	if sys != sysSeam {
		return h.start(ctx, sys, false)
	}
	h.starts++
	logPath := filepath.Join(h.tmp, fmt.Sprintf("%03d-%s.log", h.starts, sys))
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := append(kvArgs(addr), "-maxconns", strconv.Itoa(h.cfg.maxConns()))
	return h.launch(ctx, sys, h.bins[binKV], args, logPath, addr, false)
}

// idleSubscriberRSS opens n connections subscribed to the channel and
// returns the growth of the server's resident memory divided by n, in KiB.
func idleSubscriberRSS(ctx context.Context, s *process, n int) (float64, error) {
	rss0, err := rssKiB(s.pid())
	if err != nil {
		return 0, err
	}
	conns, err := openConns(ctx, s.addr, n, subscribe)
	if err != nil {
		return 0, err
	}
	defer closeAll(conns)
	rss1, err := rssKiB(s.pid())
	if err != nil {
		return 0, err
	}
	return (rss1 - rss0) / float64(n), nil
}

// subscribe subscribes c to the channel and waits for the confirmation,
// which both servers send once the subscription is in place.
func subscribe(ctx context.Context, c net.Conn) error {
	return ctl.Exchange(ctx, c, resp.AppendCommand(nil, []byte("SUBSCRIBE"), []byte(fanoutChannel)), subscribeReply)
}

// awaitSubscribers asks the server on c, with PUBSUB NUMSUB, how many
// connections are subscribed to the channel until it says want: a server
// hears a client's close when it comes round to it, not when the client
// closes.
func awaitSubscribers(ctx context.Context, c net.Conn, want int) error {
	req := resp.AppendCommand(nil, []byte("PUBSUB"), []byte("NUMSUB"), []byte(fanoutChannel))
	r := bufio.NewReader(c)
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	for {
		if _, err := c.Write(req); err != nil {
			return err
		}
		// *2, the channel's length and name, then the count.
		var line string
		for range 4 {
			b, err := r.ReadSlice('\n')
			if err != nil {
				return fmt.Errorf("PUBSUB NUMSUB: %w", err)
			}
			line = string(bytes.TrimSuffix(b, []byte("\r\n")))
		}
		if len(line) < 2 || line[0] != ':' {
			return fmt.Errorf("PUBSUB NUMSUB: count %q", line)
		}
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return fmt.Errorf("PUBSUB NUMSUB: count %q", line)
		}
		if n == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d subscribers of %s left, want %d: %w", n, fanoutChannel, want, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// A pubsubLoad is one fan-out run.
type pubsubLoad struct {
	addr        string
	subscribers int
	messages    int // PUBLISHes; each subscriber receives every one
	pipeline    int // PUBLISHes in flight
}

// runFanout subscribes l.subscribers connections, publishes l.messages
// from one more, and returns messages delivered per second: every
// subscriber's messages, from the first PUBLISH to the last subscriber
// having the last message.
func runFanout(ctx context.Context, l pubsubLoad) (float64, error) {
	l.pipeline = max(l.pipeline, 1)
	var d net.Dialer
	pub, err := d.DialContext(ctx, "tcp", l.addr)
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	// The subscribers of an earlier run, closed by the client, may not
	// have been heard leaving yet; each PUBLISH would count them.
	if err := awaitSubscribers(ctx, pub, 0); err != nil {
		return 0, err
	}
	subs, err := openConns(ctx, l.addr, l.subscribers, subscribe)
	if err != nil {
		return 0, err
	}
	defer closeAll(subs)

	// The first failure, or the end of ctx, unblocks everyone else.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := append([]net.Conn{pub}, subs...)
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Now())
		}
	})
	defer stop()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	start := time.Now()
	for i, c := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := receive(c, l.messages); err != nil {
				fail(fmt.Errorf("subscriber %d: %w", i, err))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := publish(pub, l); err != nil {
			fail(fmt.Errorf("publisher: %w", err))
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		if parent.Err() != nil {
			return 0, fmt.Errorf("not done when the run's time was up: %w", firstErr)
		}
		return 0, firstErr
	}
	return float64(l.messages) * float64(l.subscribers) / elapsed.Seconds(), nil
}

// publish sends l.messages PUBLISHes, l.pipeline at a time, each of which
// must reach every subscriber.
func publish(c net.Conn, l pubsubLoad) error {
	rd := bufio.NewReaderSize(c, 64<<10)
	want := []byte(":" + strconv.Itoa(l.subscribers) + "\r\n")
	var b []byte
	payload := make([]byte, seqDigits)
	for sent := 0; sent < l.messages; {
		n := min(l.pipeline, l.messages-sent)
		b = b[:0]
		for i := range n {
			putSeq(payload, sent+i)
			b = resp.AppendCommand(b, []byte("PUBLISH"), []byte(fanoutChannel), payload)
		}
		if _, err := c.Write(b); err != nil {
			return err
		}
		for i := range n {
			line, err := rd.ReadSlice('\n')
			if err != nil {
				return err
			}
			if !bytes.Equal(line, want) {
				return fmt.Errorf("PUBLISH %d: reply %q, want %q", sent+i, line, want)
			}
		}
		sent += n
	}
	return nil
}

// receive reads messages push frames and checks each: the channel, and
// the sequence number that must come next.
func receive(c net.Conn, messages int) error {
	rd := bufio.NewReaderSize(c, 64<<10)
	want := make([]byte, len(messagePrefix)+seqDigits+2)
	copy(want, messagePrefix)
	copy(want[len(want)-2:], "\r\n")
	got := make([]byte, len(want))
	for seq := range messages {
		if _, err := io.ReadFull(rd, got); err != nil {
			return fmt.Errorf("after %d messages: %w", seq, err)
		}
		putSeq(want[len(messagePrefix):len(want)-2], seq)
		if !bytes.Equal(got, want) {
			return fmt.Errorf("message %d: %q, want %q", seq, got, want)
		}
	}
	return nil
}

// putSeq writes n in decimal into b, zero-padded to its length.
func putSeq(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
