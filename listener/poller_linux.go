package listener

import (
	"container/heap"
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/seamgo/seam/internal/logfield"
)

// canHibernate: Linux parks hibernated sockets on an epoll of the
// listener's own.
const canHibernate = true

// poller holds one Serve's hibernated connections: their sockets are
// registered on an epoll instance of its own (a socket can be in the
// runtime's poller and in this one at once), one-shot, for input and
// for the peer's close. The epoll descriptor is itself waited on through
// the runtime's poller, as an *os.File: the poller's goroutine then holds
// no OS thread while it waits, and wakes as any goroutine blocked on a
// socket does, rather than from a blocking epoll_wait whose thread the
// runtime would have to replace and whose return would have to win back
// a P. It also keeps the idle deadlines of the parked connections, in a
// heap swept when the file's read deadline (the earliest of them) passes:
// one timer for all of them, not one per connection.
type poller struct {
	run  *run
	epfd int
	file *os.File // epfd, as the runtime's poller sees it
	rc   syscall.RawConn
	done chan struct{} // closed when the goroutine has ended

	events []syscall.EpollEvent // the goroutine's alone
	ready  int                  // events filled by the last epoll_wait
	waitFn func(fd uintptr) bool

	mu      sync.Mutex
	parked  map[uint64]*conn // by connection id
	idle    idleHeap         // deadlines of parked connections with IdleTimeout
	armedAt int64            // the file's read deadline, unix nanoseconds; 0 for none
	closed  bool             // the stop has closed what was parked; nothing more parks
}

// newPoller makes r's poller and starts its goroutine, which stop ends.
func newPoller(r *run) (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	p := &poller{
		run:    r,
		epfd:   epfd,
		file:   os.NewFile(uintptr(epfd), r.name+" poller"),
		done:   make(chan struct{}),
		events: make([]syscall.EpollEvent, 128),
		parked: make(map[uint64]*conn),
	}
	if p.rc, err = p.file.SyscallConn(); err != nil {
		p.file.Close()
		return nil, err
	}
	p.waitFn = p.collect
	go p.loop()
	return p, nil
}

// collect takes the ready events without waiting; false tells the
// runtime's poller to wait for the epoll descriptor to be readable.
func (p *poller) collect(fd uintptr) bool {
	n, err := syscall.EpollWait(int(fd), p.events, 0)
	if err == syscall.EINTR {
		p.ready = 0
		return true // ask again
	}
	p.ready = max(n, 0)
	return n > 0 || err != nil
}

// loop wakes the connections whose sockets are ready and closes those
// whose idle time has run out, until stop closes the file.
func (p *poller) loop() {
	defer close(p.done)
	for {
		err := p.rc.Read(p.waitFn)
		switch {
		case err == nil:
			p.wake(p.events[:p.ready])
		case errors.Is(err, os.ErrDeadlineExceeded):
			p.sweep()
		default:
			return // closed by stop
		}
	}
}

// park registers a hibernated connection's socket and keeps c; false
// means it could not (the stop has begun, or the socket is closed) and c
// is the caller's to close.
func (p *poller) park(c *conn) bool {
	sc, ok := c.raw.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	if !p.register(c, rc) {
		return false
	}
	if h := p.run.hooks.parked; h != nil {
		h()
	}
	return true
}

// register is park's work under the lock: the socket on the epoll, c in
// the parked set, its idle deadline in the heap.
func (p *poller) register(c *conn, rc syscall.RawConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(c.id), Pad: int32(c.id >> 32)}
	ctl := func() error {
		var ctlErr error
		err := rc.Control(func(fd uintptr) {
			// The first park adds the socket; later ones re-arm it,
			// since a one-shot registration stays, disabled, after its
			// event.
			op := syscall.EPOLL_CTL_ADD
			if c.parks > 0 {
				op = syscall.EPOLL_CTL_MOD
			}
			ctlErr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
		})
		if err != nil {
			return err
		}
		return ctlErr
	}
	// One parked at accept has no idle layer yet (begin adds it): its
	// idleness is all of IdleTimeout, from now.
	left := p.run.idle
	if c.idle != nil {
		if c.idle.park(true, ctl) != nil {
			return false
		}
		left = c.idle.idleLeft()
	} else if ctl() != nil {
		return false
	}
	c.parks++
	p.parked[c.id] = c
	if left > 0 {
		at := time.Now().Add(left).UnixNano()
		heap.Push(&p.idle, idleEntry{at: at, c: c, parks: c.parks})
		if p.armedAt == 0 || at < p.armedAt {
			p.armLocked(at)
		}
	}
	st := p.run.stats
	st.hibernated.Add(1)
	st.hibernations.Add(1)
	if c.unborn {
		st.unstarted.Add(1)
	}
	return true
}

// take removes c from the parked connections, if it is still there; the
// caller then owns it.
func (p *poller) takeLocked(c *conn) bool {
	if p.parked[c.id] != c {
		return false
	}
	delete(p.parked, c.id)
	if c.idle != nil {
		c.idle.park(false, nil)
	}
	p.run.stats.hibernated.Add(-1)
	if c.unborn {
		p.run.stats.unstarted.Add(-1)
	}
	return true
}

// wake hands the ready connections back to connection services.
func (p *poller) wake(events []syscall.EpollEvent) {
	for _, ev := range events {
		id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
		p.mu.Lock()
		c := p.parked[id]
		ok := c != nil && p.takeLocked(c)
		p.mu.Unlock()
		if !ok {
			continue // closed meanwhile, by the stop or its idle timeout
		}
		if ev.Events&(syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 && ended(c.raw) {
			// The client left (or a Close shut the socket down) and sent
			// nothing before: there is nothing to wake the handler for.
			c.closeAsleep()
			if h := p.run.hooks.leftAsleep; h != nil {
				h()
			}
			continue
		}
		c.woken = true
		p.run.conns.wake(c)
		if h := p.run.hooks.woken; h != nil {
			h()
		}
	}
}

// quiet reports whether nc is a socket with nothing to read yet: no
// byte, no end of stream, no error.
func quiet(nc net.Conn) bool {
	_, ok, errno := peekConn(nc)
	return ok && errno == syscall.EAGAIN
}

// ended reports whether nc's socket has nothing more to give: its end of
// stream (or an error) is next, no byte before it.
func ended(nc net.Conn) bool {
	n, ok, errno := peekConn(nc)
	return ok && (n == 0 && errno == 0 || errno != 0 && errno != syscall.EAGAIN && errno != syscall.EINTR)
}

// peekConn is [peek] on nc's socket; ok is false when nc is not a
// socket.
func peekConn(nc net.Conn) (n int, ok bool, errno syscall.Errno) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, false, 0
	}
	rc, rerr := sc.SyscallConn()
	if rerr != nil {
		return 0, false, 0
	}
	rc.Control(func(fd uintptr) { n, errno = peek(fd) })
	return n, true, errno
}

// sweep closes the parked connections whose idle time has run out, and
// arms the deadline for the next.
func (p *poller) sweep() {
	now := time.Now().UnixNano()
	var expired []*conn
	p.mu.Lock()
	for len(p.idle) > 0 && p.idle[0].at <= now {
		e := heap.Pop(&p.idle).(idleEntry)
		if e.c.parks == e.parks && p.takeLocked(e.c) {
			expired = append(expired, e.c)
		}
	}
	p.armedAt = 0
	if len(p.idle) > 0 {
		p.armLocked(p.idle[0].at)
	} else {
		p.file.SetReadDeadline(time.Time{})
	}
	p.mu.Unlock()
	for _, c := range expired {
		p.run.stats.idleClosed.Add(1)
		if c.run.logConns {
			log := c.logger()
			log.Debug().Stringer("idle_timeout", logfield.Duration(p.run.idle)).Msg("no byte read for IdleTimeout while hibernated; connection closed")
		}
		c.closeAsleep()
	}
}

// armLocked sets the file's read deadline, which ends the goroutine's
// wait for the sweep.
func (p *poller) armLocked(at int64) {
	p.armedAt = at
	p.file.SetReadDeadline(time.Unix(0, at))
}

// closeAll closes every parked connection, at the stop.
func (p *poller) closeAll() { p.closeParked(true) }

// closeParked closes the parked connections, with no goroutine to wake,
// and returns how many. At the start of the drain (unbornToo false) it
// closes the hibernated ones, which hold no request, and leaves those
// parked at accept: their clients connected while the listener accepted
// and may have their first request on the way, which wakes them as
// always; at the drain's deadline, the rest go too. Nothing parks after
// it.
func (p *poller) closeParked(unbornToo bool) int {
	p.mu.Lock()
	p.closed = true
	all := make([]*conn, 0, len(p.parked))
	for _, c := range p.parked {
		if unbornToo || !c.unborn {
			all = append(all, c)
		}
	}
	for _, c := range all {
		p.takeLocked(c)
	}
	if len(p.parked) == 0 {
		p.idle = nil
	}
	p.mu.Unlock()
	closeEach(all)
	return len(all)
}

// closeEach closes hibernated connections on a goroutine per CPU: each
// close is two system calls (the runtime's poller lets go of the
// socket, then the close) and the handler's state's Close, so 10,000 of
// them on one goroutine would be most of a stop, while the CPUs can
// share them.
func closeEach(all []*conn) {
	n := min(runtime.GOMAXPROCS(0), (len(all)+255)/256)
	if n <= 1 {
		for _, c := range all {
			c.closeAsleep()
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		go func() {
			defer wg.Done()
			for j := i; j < len(all); j += n {
				all[j].closeAsleep()
			}
		}()
	}
	wg.Wait()
}

// stop closes what is parked and ends the goroutine.
func (p *poller) stop() {
	p.closeAll()
	p.file.Close()
	<-p.done
}

// idleEntry is a parked connection's idle deadline; parks tells it from
// the deadline of an earlier park of the same connection, which the
// heap drops when it comes up.
type idleEntry struct {
	at    int64
	c     *conn
	parks uint32
}

type idleHeap []idleEntry

func (h idleHeap) Len() int           { return len(h) }
func (h idleHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h idleHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idleHeap) Push(x any)        { *h = append(*h, x.(idleEntry)) }
func (h *idleHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = idleEntry{}
	*h = old[:len(old)-1]
	return e
}
