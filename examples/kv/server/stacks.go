package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// stackPool runs connections' bursts of commands (what arrived together:
// one command, or a pipeline's worth) on goroutines kept for that.
//
// Why: a goroutine's stack grows to the deepest call it has made, and the
// runtime shrinks it only when it uses under a quarter of it, so a
// connection that ran one command would keep the 4 KiB or 8 KiB stack the
// command needed for as long as it then waits, idle, for the next one. The
// connection's own goroutine only waits for bytes and hands them over, so
// it keeps the 2 KiB starting stack, the least any goroutine holds; the
// deep calls happen on a worker whose stack has already grown. That costs
// two goroutine switches per burst (on the same P: the worker runs next,
// then the connection), against 2 KiB or more per idle connection.
//
// Workers that finish a burst go back to an idle stack of at most maxIdle
// (the rest end), and all of them end once no connection is open.
//
// A burst that needs more bytes (a command split across reads) waits for
// them in Read on its worker. A connection that listener.WaitReadable
// cannot wait on (TLS) would wait so for every burst: its bursts run on
// its own goroutine instead (tls.go).
type stackPool struct {
	mu      sync.Mutex
	idle    []*worker
	maxIdle int
	open    *atomic.Int64 // the Handler's count of connections being served
}

// worker is a goroutine that runs bursts, one at a time, from jobs.
type worker struct {
	jobs chan *conn
}

func newStackPool(open *atomic.Int64) *stackPool {
	return &stackPool{maxIdle: 4 * runtime.GOMAXPROCS(0), open: open}
}

// closed ends the idle workers once the count of open connections has
// fallen to zero, so that a server with no clients leaves no goroutine
// behind. The count is read under mu, as put reads it: a worker that goes
// idle either sees the last connection gone and ends, or is idle before
// closed takes mu and is ended here.
func (p *stackPool) closed() {
	p.lock()
	defer p.mu.Unlock()
	if p.open.Load() > 0 {
		return
	}
	for _, w := range p.idle {
		close(w.jobs)
	}
	clear(p.idle)
	p.idle = p.idle[:0]
}

// run runs c's burst on a worker and waits for it. A panic of the burst is
// raised again here, on the connection's goroutine, where the listener
// recovers it and closes only this connection.
func (p *stackPool) run(c *conn) {
	w := p.get()
	w.jobs <- c
	<-c.burstDone
	if bp := c.burstPanic; bp != nil {
		c.burstPanic = nil
		panic(bp)
	}
}

func (p *stackPool) get() *worker {
	p.lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w
	}
	p.mu.Unlock()
	w := &worker{jobs: make(chan *conn)}
	go p.work(w)
	return w
}

// lock takes mu by trying and yielding rather than by Lock, whose wait
// goes into the runtime's semaphores, deep enough to grow the stack of the
// connection's goroutine that waits, which it would then keep while idle.
// What mu guards is a few instructions of slice work: a yield is the
// wait's right size.
func (p *stackPool) lock() {
	for !p.mu.TryLock() {
		runtime.Gosched()
	}
}

// put makes w idle again; false tells it to end.
func (p *stackPool) put(w *worker) bool {
	p.lock()
	defer p.mu.Unlock()
	if len(p.idle) >= p.maxIdle || p.open.Load() == 0 {
		return false
	}
	p.idle = append(p.idle, w)
	return true
}

func (p *stackPool) work(w *worker) {
	for c := range w.jobs {
		c.runBurst()
		// Idle again before the connection hears it is done, so that
		// its next burst finds this worker, stack grown, and not a
		// fresh one.
		keep := p.put(w)
		c.burstDone <- struct{}{}
		if !keep {
			return
		}
	}
}

// runBurst is c.burst with a panic caught, to be raised again on the
// connection's goroutine.
func (c *conn) runBurst() {
	defer func() {
		if v := recover(); v != nil {
			c.burstPanic = &burstPanic{value: v, stack: debug.Stack()}
		}
	}()
	c.burstEnd, c.burstErr = c.burst()
}

// burstPanic is a command's panic, carried from the worker to the
// connection's goroutine with the worker's stack, which shows the command.
type burstPanic struct {
	value any
	stack []byte
}

func (p *burstPanic) String() string {
	return fmt.Sprintf("%v\n\n(raised again from the command's goroutine:)\n%s", p.value, p.stack)
}
