package seamtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// Logs collects the JSON lines of a zerolog logger, written from any
// goroutine, and parses them as events: one map per line, with zerolog's
// field names ("level", "message", "error"...). The zero value is an empty
// collection; [NewLogs] also prints the lines when the test fails.
type Logs struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // wakes a WaitFor after each write
}

// NewLogs returns an empty collection. If t fails, its lines are printed
// with the test's output when the test ends.
func NewLogs(t testing.TB) *Logs {
	l := &Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seamtest: logs:\n%s", l.String())
		}
	})
	return l
}

// Logger returns a logger that writes to l at every level, debug included.
func (l *Logs) Logger() zerolog.Logger {
	return zerolog.New(l).Level(zerolog.DebugLevel)
}

// Write adds p, one or more JSON lines; it is safe for concurrent use. It
// makes Logs an io.Writer, for zerolog.New or a logger of the code under
// test that takes a writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	select {
	case l.wake() <- struct{}{}:
	default:
	}
	return len(p), nil
}

// String returns the lines as they were written.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Events returns the lines whose message contains msg, every line for "",
// in the order they were written. A line that is not JSON comes back as
// {"message": line}.
func (l *Logs) Events(msg string) []map[string]any {
	l.mu.Lock()
	data := bytes.Clone(l.buf.Bytes())
	l.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			ev = map[string]any{"message": string(line)}
		}
		if m, _ := ev["message"].(string); strings.Contains(m, msg) {
			out = append(out, ev)
		}
	}
	return out
}

// WaitFor returns the first line whose message contains msg, waiting for
// it at most [Wait]; then it fails t. It is for a test of the line itself:
// to wait for what the code does, wait for a channel or a counter. Call it
// from the test's goroutine.
func (l *Logs) WaitFor(t testing.TB, msg string) map[string]any {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		if evs := l.Events(msg); len(evs) > 0 {
			return evs[0]
		}
		select {
		case <-l.wake():
		case <-timer.C:
			t.Fatalf("seamtest: timed out after %v waiting for a log line %q", Wait, msg)
		}
	}
}

// wake returns the channel that a write signals, made on first use so
// that the zero Logs works.
func (l *Logs) wake() chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{}, 1)
	}
	return l.changed
}
