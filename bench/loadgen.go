package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/resp"
)

// A load is one run of the load generator: which command, over how many
// connections, how deep a pipeline, how many requests.
type load struct {
	addr     string
	cmd      string // SET or GET
	conns    int
	pipeline int
	// requests bounds the run; 0 runs until ctx ends (the busy clients of
	// the graceful stop workload), and then a connection the server closes
	// ends its client quietly.
	requests int
	keyspace int  // keys are key:000000000000 .. keyspace-1, as redis-benchmark -r
	valueLen int  // bytes in a SET's value, as redis-benchmark -d
	churn    bool // a new connection for every request, as redis-benchmark -k 0
	// warm, when set, is closed once every connection has had a reply.
	warm chan struct{}
}

// loadResult is what a run did.
type loadResult struct {
	requests int64
	errors   int64 // error replies
	elapsed  time.Duration
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// errLoadTimeout is a bounded run that ctx cut short.
var errLoadTimeout = errors.New("load: deadline passed before every request was answered")

// runLoad runs l against its server. It stops by itself: after
// l.requests, or when ctx ends.
func runLoad(ctx context.Context, l load) (loadResult, error) {
	l.pipeline = max(l.pipeline, 1)
	l.conns = max(l.conns, 1)
	batches := makeBatches(l)
	var (
		claimed, done, errs atomic.Int64
		warmLeft            atomic.Int64
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		firstErr            error
	)
	warmLeft.Store(int64(l.conns))
	claim := func() bool {
		if l.requests == 0 {
			return ctx.Err() == nil
		}
		return claimed.Add(int64(l.pipeline)) <= int64(roundUp(l.requests, l.pipeline))
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	start := time.Now()
	for i := range l.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{l: l, batches: batches, next: i, done: &done, errs: &errs, warm: func() {
				if warmLeft.Add(-1) == 0 && l.warm != nil {
					close(l.warm)
				}
			}}
			if err := w.run(ctx, claim); err != nil && !(l.requests == 0 && ctx.Err() != nil) {
				fail(err)
			}
		}()
	}
	wg.Wait()
	res := loadResult{requests: done.Load(), errors: errs.Load(), elapsed: time.Since(start)}
	if l.requests > 0 && ctx.Err() != nil && res.requests < int64(l.requests) {
		return res, fmt.Errorf("%w (%d of %d)", errLoadTimeout, res.requests, l.requests)
	}
	if firstErr != nil && l.requests > 0 {
		return res, firstErr
	}
	return res, nil
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// makeBatches prepares pipelines of commands on random keys ahead of time,
// so that the generator spends its CPU on the sockets, not on formatting:
// on a 2-core machine it shares the CPU with the server it measures.
func makeBatches(l load) [][]byte {
	const n = 64
	keyspace := max(l.keyspace, 1)
	val := make([]byte, l.valueLen)
	for i := range val {
		val[i] = 'x'
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		var b []byte
		for range l.pipeline {
			key := fmt.Appendf(nil, "key:%012d", rng.IntN(keyspace))
			if l.cmd == "SET" {
				b = resp.AppendCommand(b, []byte("SET"), key, val)
			} else {
				b = resp.AppendCommand(b, []byte(l.cmd), key)
			}
		}
		out[i] = b
	}
	return out
}

// worker is one client connection (or, with churn, one client that
// connects anew for every request).
type worker struct {
	l          load
	batches    [][]byte
	next       int
	done, errs *atomic.Int64
	warm       func()
	warmed     bool
}

func (w *worker) run(ctx context.Context, claim func() bool) error {
	var (
		c    net.Conn
		stop func() bool
		rd   *bufio.Reader
		d    net.Dialer
	)
	hangUp := func() {
		stop()
		c.Close()
		c = nil
	}
	defer func() {
		if c != nil {
			hangUp()
		}
	}()
	for claim() {
		if c == nil {
			nc, err := d.DialContext(ctx, "tcp", w.l.addr)
			if err != nil {
				return err
			}
			// A busy client blocked in a read must end with ctx.
			c, stop = nc, context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
			if rd == nil {
				rd = bufio.NewReaderSize(c, 64<<10)
			} else {
				rd.Reset(c)
			}
		}
		b := w.batches[w.next%len(w.batches)]
		w.next++
		if _, err := c.Write(b); err != nil {
			return err
		}
		for range w.l.pipeline {
			isErr, err := readReply(rd)
			if err != nil {
				return err
			}
			if isErr {
				w.errs.Add(1)
			}
		}
		w.done.Add(int64(w.l.pipeline))
		if !w.warmed {
			w.warmed = true
			w.warm()
		}
		if w.l.churn {
			hangUp()
		}
	}
	return nil
}

var errBadReply = errors.New("load: malformed reply")

// readReply reads one RESP2 reply and reports whether it was an error.
func readReply(rd *bufio.Reader) (isErr bool, err error) {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	if len(line) < 3 {
		return false, fmt.Errorf("%w: %q", errBadReply, line)
	}
	switch line[0] {
	case '+', ':':
		return false, nil
	case '-':
		return true, nil
	case '$':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return false, fmt.Errorf("%w: %q", errBadReply, line)
		}
		if n >= 0 {
			_, err = rd.Discard(n + 2)
		}
		return false, err
	case '*':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return false, fmt.Errorf("%w: %q", errBadReply, line)
		}
		for range n {
			if _, err := readReply(rd); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("%w: %q", errBadReply, line)
}

// openIdle opens n connections to addr and makes each answer a PING, so
// that the server has accepted every one and its handler is waiting for the
// next request: the state of an idle client.
func openIdle(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	return openConns(ctx, addr, n, ctl.Ping)
}

// openConns opens n connections to addr and runs greet on each (a PING, a
// SUBSCRIBE), which must see the server's reply; a nil greet sends
// nothing. It keeps a few dozen dials in flight rather than all at once,
// which would overflow the kernel's accept backlog (somaxconn) and stall
// on SYN retries.
func openConns(ctx context.Context, addr string, n int, greet func(context.Context, net.Conn) error) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var d net.Dialer
	err := parallel(ctx, n, func(i int) error {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil && greet != nil {
			if err = greet(ctx, c); err != nil {
				c.Close()
			}
		}
		if err != nil {
			return fmt.Errorf("idle connection %d: %w", i, err)
		}
		conns[i] = c
		return nil
	})
	if err != nil {
		closeAll(conns)
		return nil, err
	}
	return conns, nil
}

// pingAll makes every connection answer a PING, a few dozen at a time.
func pingAll(ctx context.Context, conns []net.Conn) error {
	return parallel(ctx, len(conns), func(i int) error {
		if err := ctl.Ping(ctx, conns[i]); err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		return nil
	})
}

// parallel runs fn(0) to fn(n-1) on 32 goroutines. A goroutine stops at
// its first error (the others carry on, so that every error is reported);
// the errors are joined, and ctx's error returned if it ended first.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range min(n, 32) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
