package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// keepAlive is the other kind of client: long-lived connections through
// the proxy, each pipelining INCRs of counters of its own, as a client
// library with a connection pool does. When the server closes a
// connection (a draining kv does, between replies) the connection is
// dialled again and every command not yet answered is sent again on it.
//
// What it proves: kv, draining, answers every command it has read before
// it closes. A command executed whose reply was lost would be resent and
// counted twice on the servers, so at the end each counter, summed over
// both instances, must equal the number of replies received for it.
type keepAlive struct {
	addr     string
	prefix   string // keys are prefix:<conn>:<counter>
	conns    int
	counters int // per connection
	depth    int // commands per pipelined batch

	sent       atomic.Int64 // INCRs written, resends included
	replies    atomic.Int64 // integer replies read
	resent     atomic.Int64 // INCRs written again after their connection closed unanswered
	reconnects atomic.Int64 // connections dialled again after the server closed one
	resets     atomic.Int64 // of those, closes seen as a reset rather than an EOF
	firstReply chan struct{}
	once       sync.Once

	mu       sync.Mutex
	answered map[string]int64 // replies received, per key
	errs     []string         // error replies and failures, as seen
}

func (k *keepAlive) key(conn, counter int) string {
	return fmt.Sprintf("%s:%d:%d", k.prefix, conn, counter)
}

// run drives every connection until ctx ends, then settles: each one
// resends what is still unanswered before it returns.
func (k *keepAlive) run(ctx context.Context) {
	k.answered = make(map[string]int64)
	var wg sync.WaitGroup
	for i := range k.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.conn(ctx, i)
		}()
	}
	wg.Wait()
}

func (k *keepAlive) fail(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.errs = append(k.errs, fmt.Sprintf(format, args...))
}

// conn is one connection's life, across reconnects.
func (k *keepAlive) conn(ctx context.Context, id int) {
	var (
		pending []int // counters whose INCR went unanswered, oldest first
		next    int
		redials int
	)
	for ctx.Err() == nil || len(pending) > 0 {
		if redials > 100 {
			k.fail("conn %d: gave up after %d reconnects without a reply", id, redials)
			return
		}
		nc, err := net.DialTimeout("tcp", k.addr, 2*time.Second)
		if err != nil {
			k.fail("conn %d: dial: %v", id, err)
			return
		}
		k.resent.Add(int64(len(pending)))
		var answered int
		pending, answered, err = k.session(ctx, id, nc, pending, &next)
		nc.Close()
		if answered > 0 {
			redials = 0
		}
		if err == nil {
			return
		}
		// The server closed the connection (EOF or a reset): what was
		// answered counts, the rest goes again on a new connection. A
		// timeout is not a close: it is an error.
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			k.fail("conn %d: no reply within %v", id, waitLimit)
			return
		case errors.Is(err, syscall.ECONNRESET):
			k.resets.Add(1)
		case !errors.Is(err, io.EOF):
			k.fail("conn %d: read: %v", id, err)
		}
		redials++
		k.reconnects.Add(1)
	}
}

// session runs one connection: a writer sends the commands to resend,
// then new ones until ctx ends, never more than depth unanswered, while
// this goroutine reads the replies in order. It returns nil once ctx has
// ended and everything sent is answered; otherwise the read error that
// ended the connection and the commands left unanswered, in order.
func (k *keepAlive) session(ctx context.Context, id int, nc net.Conn, resend []int, next *int) (unanswered []int, answered int, err error) {
	inflight := make(chan int, k.depth) // written (or being written), not yet answered
	stop := make(chan struct{})
	r := bufio.NewReader(nc)
	go func() {
		defer close(inflight)
		bw := bufio.NewWriter(nc)
		send := func(c int) bool {
			select {
			case inflight <- c:
			default:
				// The window is full: send what is buffered, then wait
				// for a reply to free a slot.
				if bw.Flush() != nil {
					return false
				}
				select {
				case inflight <- c:
				case <-stop:
					return false
				}
			}
			_ = nc.SetWriteDeadline(time.Now().Add(waitLimit))
			key := k.key(id, c)
			fmt.Fprintf(bw, "*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n", len(key), key)
			k.sent.Add(1)
			return true
		}
		for _, c := range resend {
			if !send(c) {
				return
			}
		}
		for ctx.Err() == nil {
			if !send(*next) {
				return
			}
			*next = (*next + 1) % k.counters
		}
		_ = bw.Flush()
	}()
	for c := range inflight {
		_ = nc.SetReadDeadline(time.Now().Add(waitLimit))
		line, rerr := r.ReadString('\n')
		if rerr != nil {
			close(stop)
			_ = nc.Close() // the writer's blocked write returns
			unanswered = append(unanswered, c)
			for c := range inflight {
				unanswered = append(unanswered, c)
			}
			return unanswered, answered, rerr
		}
		answered++
		if !strings.HasPrefix(line, ":") {
			k.fail("conn %d: INCR %s: %s", id, k.key(id, c), strings.TrimSpace(line))
			continue
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(line[1:]), 10, 64); err != nil {
			k.fail("conn %d: bad reply %q", id, line)
			continue
		}
		k.replies.Add(1)
		k.mu.Lock()
		k.answered[k.key(id, c)]++
		k.mu.Unlock()
		k.once.Do(func() { close(k.firstReply) })
	}
	return nil, answered, nil
}
