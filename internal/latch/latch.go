// Package latch holds Latch, the readiness signal of seam's services: a
// channel that is closed once and stays closed, the same channel before and
// after, so that a caller may take it before the service has started.
package latch

import "sync"

// Latch is closed once, by the first Close. The zero value is open and
// ready to use; its methods are safe for concurrent use.
type Latch struct {
	mu sync.Mutex
	c  chan struct{}
}

// Done returns the channel that Close closes. Every call returns the same
// channel.
func (l *Latch) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chanLocked()
}

// Close closes the channel, if it is not closed yet.
func (l *Latch) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chanLocked()
	select {
	case <-c:
	default:
		close(c)
	}
}

func (l *Latch) chanLocked() chan struct{} {
	if l.c == nil {
		l.c = make(chan struct{})
	}
	return l.c
}
