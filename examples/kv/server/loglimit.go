package server

import (
	"sync"
	"time"
)

// logLimit lets through at most one log line per interval for one kind of
// event, and counts the events it held back, so that a flood of bad clients
// costs a few counted lines instead of one line each. It is safe for
// concurrent use.
type logLimit struct {
	every time.Duration

	mu   sync.Mutex
	next time.Time // when the next line may be written
	held int64     // events not logged since the last line
}

// allow reports whether the event at now may be logged, and how many
// events were held back before it; an event not allowed is counted.
func (l *logLimit) allow(now time.Time) (held int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.held++
		return 0, false
	}
	held, l.held = l.held, 0
	l.next = now.Add(l.every)
	return held, true
}
