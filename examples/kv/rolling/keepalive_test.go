package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// incrServer is a fake server for the keep-alive client: it counts the
// INCRs it executes, and on its first connection closes after its 10th
// command, having executed it (lose) or not, without replying to it.
type incrServer struct {
	ln      net.Listener
	lose    bool
	mu      sync.Mutex
	counts  map[string]int64
	closed  chan struct{} // closed once the first connection is closed
	conns   sync.WaitGroup
	accepts int
}

func newIncrServer(t *testing.T, lose bool) *incrServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &incrServer{ln: ln, lose: lose, counts: map[string]int64{}, closed: make(chan struct{})}
	s.conns.Add(1)
	go func() {
		defer s.conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepts++
			first := s.accepts == 1
			s.conns.Add(1)
			go func() {
				defer s.conns.Done()
				s.serve(c, first)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.conns.Wait() })
	return s
}

func (s *incrServer) serve(c net.Conn, first bool) {
	defer c.Close()
	r := bufio.NewReader(c)
	for n := 1; ; n++ {
		var lines [5]string
		for i := range lines {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			lines[i] = strings.TrimSpace(line)
		}
		key := lines[4]
		if first && n == 10 {
			if s.lose {
				s.mu.Lock()
				s.counts[key]++
				s.mu.Unlock()
			}
			close(s.closed)
			return
		}
		s.mu.Lock()
		s.counts[key]++
		v := s.counts[key]
		s.mu.Unlock()
		if _, err := fmt.Fprintf(c, ":%d\r\n", v); err != nil {
			return
		}
	}
}

// TestKeepAliveCounts checks the proof's own bookkeeping: a close that
// drops unexecuted commands leaves every counter equal to its replies,
// and a command executed whose reply is lost shows as one counter ahead.
func TestKeepAliveCounts(t *testing.T) {
	for _, lose := range []bool{false, true} {
		t.Run(fmt.Sprintf("lose=%v", lose), func(t *testing.T) {
			s := newIncrServer(t, lose)
			ka := &keepAlive{addr: s.ln.Addr().String(), prefix: "t", conns: 1, counters: 3, depth: 4, firstReply: make(chan struct{})}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); ka.run(ctx) }()
			seamtest.Recv(t, s.closed, "the fake server's close")
			cancel()
			seamtest.Recv(t, done, "the keep-alive client's end")

			if len(ka.errs) > 0 {
				t.Fatalf("errors: %v", ka.errs)
			}
			if ka.reconnects.Load() != 1 || ka.resent.Load() == 0 {
				t.Errorf("%d reconnects, %d resent; want 1 reconnect and some resent", ka.reconnects.Load(), ka.resent.Load())
			}
			var ahead []string
			s.mu.Lock()
			defer s.mu.Unlock()
			for key, want := range ka.answered {
				if got := s.counts[key]; got != want {
					ahead = append(ahead, fmt.Sprintf("%s: %d executed, %d replies", key, got, want))
				}
			}
			switch {
			case !lose && len(ahead) > 0:
				t.Errorf("counters differ though no executed command lost its reply: %v", ahead)
			case lose && len(ahead) != 1:
				t.Errorf("one executed command lost its reply; differences: %v", ahead)
			}
		})
	}
}
