package supervisor

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// waitFinished waits until sup has finished stopping, so its goroutines
// are gone before goleak looks.
func waitFinished(t *testing.T, sup *suture.Supervisor) {
	t.Helper()
	if _, ok := finishedReport(sup, seamtest.Wait); !ok {
		t.Errorf("supervisor %s did not finish stopping", sup)
	}
}

// sleeper is a well-behaved service: it runs until its context ends.
type sleeper struct {
	name    string
	once    sync.Once
	running chan struct{}
}

func newSleeper(name string) *sleeper {
	return &sleeper{name: name, running: make(chan struct{})}
}

func (s *sleeper) Serve(ctx context.Context) error {
	s.once.Do(func() { close(s.running) })
	<-ctx.Done()
	return ctx.Err()
}

func (s *sleeper) String() string { return s.name }

// blocker is a service that ignores the end of its context, as a service
// stuck on I/O would: it stays in Serve until the test closes release. The
// test's cleanup releases it and waits for Serve to return.
type blocker struct {
	name     string
	running  chan struct{} // closed when Serve starts
	stopping chan struct{} // closed when Serve sees its context end
	release  chan struct{}
	returned chan struct{}
	once     sync.Once
}

func newBlocker(t *testing.T, name string) *blocker {
	b := &blocker{
		name:     name,
		running:  make(chan struct{}),
		stopping: make(chan struct{}),
		release:  make(chan struct{}),
		returned: make(chan struct{}),
	}
	t.Cleanup(func() {
		close(b.release)
		select {
		case <-b.running:
			seamtest.Recv(t, b.returned, b.name+" to return")
		default: // never served
		}
	})
	return b
}

func (b *blocker) Serve(ctx context.Context) error {
	first := false
	b.once.Do(func() { first = true })
	if !first {
		// Suture restarted it: it is not expected to, and the channels
		// below are single-use.
		<-ctx.Done()
		return ctx.Err()
	}
	defer close(b.returned)
	close(b.running)
	<-ctx.Done()
	close(b.stopping)
	<-b.release
	return ctx.Err()
}

func (b *blocker) String() string { return b.name }

// partsBlocker is a stuck service that reports parts, as a listener does.
type partsBlocker struct {
	*blocker
	parts []string
}

func (p partsBlocker) LiveWork() []string { return p.parts }

// partsSleeper is a well-behaved service that reports parts.
type partsSleeper struct {
	*sleeper
	parts []string
}

func (p partsSleeper) LiveWork() []string { return p.parts }

// wrapped holds a supervisor without being one, as suture.HasSupervisor
// allows. With serve false its Serve never runs the supervisor it holds.
type wrapped struct {
	name  string
	sup   *suture.Supervisor
	serve bool
}

func (w *wrapped) Serve(ctx context.Context) error {
	if w.serve {
		return w.sup.Serve(ctx)
	}
	<-ctx.Done()
	return ctx.Err()
}

func (w *wrapped) GetSupervisor() *suture.Supervisor { return w.sup }
func (w *wrapped) String() string                    { return w.name }

// funcService runs fn; it is for services whose behaviour is one function.
type funcService struct {
	name string
	fn   func(ctx context.Context) error
}

func (f *funcService) Serve(ctx context.Context) error { return f.fn(ctx) }
func (f *funcService) String() string                  { return f.name }

// logLine waits for the first line whose message is msg, not only one that
// contains it as seamtest's WaitFor finds: one message here is a part of
// another ("child failed; restarting" of "... after the backoff").
func logLine(t *testing.T, logs *seamtest.Logs, msg string) map[string]any {
	t.Helper()
	var line map[string]any
	seamtest.Eventually(t, fmt.Sprintf("a log line %q", msg), func() bool {
		for _, ev := range logs.Events(msg) {
			if ev["message"] == msg {
				line = ev
				return true
			}
		}
		return false
	})
	return line
}

// checkFields reports each field of want that line lacks or holds
// differently.
func checkFields(t *testing.T, line map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if have, ok := line[k]; !ok || have != w {
			t.Errorf("field %q: have %#v, want %#v (line %v)", k, have, w, line)
		}
	}
}
