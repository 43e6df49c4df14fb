package supervisor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/thejerf/suture/v4"
)

// groupRun is the state of one Serve of a Group. The Serve goroutine owns
// it; mu guards only what reports read from other goroutines (which
// children run, what was abandoned).
type groupRun struct {
	g    *Group
	cfg  groupConfig
	kids []*member // in start order; written by Serve's goroutine under mu

	exits   chan exit     // children's Serve results
	gone    chan struct{} // closed when Serve returns: late exits are dropped
	pending []exit        // exits that arrived while a start or stop waited
	wake    chan struct{} // a change was queued; capacity 1

	mu        sync.Mutex
	abandoned []unstopped
	plan      []*member // the children once the queued changes are made
	changes   []change  // asked for by Add, Remove, Restart; not yet made
	closing   bool      // the group stops: no more changes
}

// member is one child of the group.
type member struct {
	spec
	static int // index in Services, or -1 for a child added at run time
	name   string
	ready  bool // ready at least once; read and written by Serve's goroutine only

	running  bool // guarded by groupRun.mu
	stopping bool // guarded by groupRun.mu: cancelled, not yet returned
	finished bool // guarded by groupRun.mu: ended for good, not started again (yet)
	gen      int  // incarnation, to tell a stale exit from the current one
	cancel   context.CancelFunc
	budget   *budget
	done     chan struct{}
}

// errStopped is how the steps of a start or restart say that the group's
// ctx ended while they waited: the group is stopping, nothing failed.
var errStopped = errors.New("supervisor: group stopping")

// exit is how one incarnation of a child ended.
type exit struct {
	m     *member
	gen   int
	err   error
	panic string // the recovered value, formatted; "" if Serve returned
	stack string
}

// normal reports whether the exit is a normal end in OTP's terms, for a
// transient or temporary child: a return of nil or of an error wrapping
// suture.ErrDoNotRestart.
func (e exit) normal() bool {
	return e.panic == "" && (e.err == nil || errors.Is(e.err, suture.ErrDoNotRestart))
}

// cause is the exit as an error: the child's own, or its panic.
func (e exit) cause() error {
	switch {
	case e.panic != "":
		return fmt.Errorf("panic: %s", e.panic)
	case e.err == nil:
		return errors.New("Serve returned nil")
	}
	return e.err
}

func newGroupRun(g *Group, cfg groupConfig) *groupRun {
	r := &groupRun{
		g:     g,
		cfg:   cfg,
		exits: make(chan exit, 2*len(cfg.services)+8),
		gone:  make(chan struct{}),
		wake:  make(chan struct{}, 1),
	}
	for i, sp := range cfg.services {
		// g.mu is held: begin calls newGroupRun.
		r.kids = append(r.kids, &member{spec: sp, static: i, name: serviceName(sp.svc), ready: g.everReady[i]})
	}
	r.plan = slices.Clone(r.kids)
	return r
}

// serve is Group.Serve once the configuration is known.
func (r *groupRun) serve(ctx context.Context) error {
	if err := r.start(ctx, slices.Clone(r.kids)); err != nil {
		r.stopAll(ctx)
		if err == errStopped {
			return nil
		}
		var se *StartError
		if errors.As(err, &se) {
			// The error is returned, and logged by whoever gets it (Run).
			r.cfg.log.Debug().Err(se.Err).Str("child", se.Path).Msg("start failed; started children stopped")
		}
		return err
	}
	// Logged before Ready closes, so that a parent's own ready line
	// never comes first.
	r.cfg.log.Info().Int("children", len(r.kids)).Msg("group ready")
	r.g.ready.Close()
	for {
		err := r.step(ctx)
		if err == nil {
			continue
		}
		r.stopAll(ctx)
		switch err {
		case errStopped:
			return nil
		case errAutoShutdown:
			r.cfg.log.Info().Stringer("auto_shutdown", r.cfg.autoShutdown).Msg("significant children ended; group stopped")
			return nil
		}
		return err
	}
}

// errAutoShutdown is how handling an exit says that the group's
// significant children ended and the group ends with them.
var errAutoShutdown = errors.New("supervisor: significant children ended")

// step handles the next exit, or the changes asked for, or reports that
// ctx is done with errStopped.
func (r *groupRun) step(ctx context.Context) error {
	if len(r.pending) > 0 {
		ex := r.pending[0]
		r.pending = r.pending[1:]
		return r.handle(ctx, ex)
	}
	select {
	case ex := <-r.exits:
		return r.handle(ctx, ex)
	case <-r.wake:
		return r.applyChanges(ctx)
	case <-ctx.Done():
		return errStopped
	}
}

// current reports whether ex is the exit of the incarnation still running;
// an exit of a child the group stopped itself, or abandoned, is stale.
func (r *groupRun) current(ex exit) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return ex.gen == ex.m.gen && ex.m.running
}

// setFinished records that m ended for good. Only Serve's goroutine writes
// finished, and reads it without the lock; the tree view reads it with it.
func (r *groupRun) setFinished(m *member) {
	r.mu.Lock()
	m.finished = true
	r.mu.Unlock()
}

func (r *groupRun) setRunning(m *member, running bool) {
	r.mu.Lock()
	m.running = running
	r.mu.Unlock()
}

// handle acts on a child's exit while the group runs: it ends the group,
// ends the child for good, or restarts what the strategy names.
func (r *groupRun) handle(ctx context.Context, ex exit) error {
	if !r.current(ex) {
		return nil
	}
	m := ex.m
	r.setRunning(m, false)
	if ex.panic == "" && errors.Is(ex.err, suture.ErrTerminateSupervisorTree) {
		r.cfg.log.Info().Str("child", m.name).Err(ex.err).Msg("child ends the tree; stopping")
		return ex.err
	}
	if ended, err := r.ended(m, ex); ended {
		return err
	}
	restarts, drop := r.restartSet(m)
	over := r.failed(m, ex, restarts)
	r.stopSome(append(slices.Clone(restarts), drop...), time.Now().Add(r.cfg.stopTimeout))
	r.dropTemporary(drop)
	if over && !r.pause(ctx) {
		return errStopped
	}
	return r.start(ctx, restarts)
}

// ended acts on an exit of m that its restart type says is final, and
// reports whether it was: a permanent child's error wrapping
// suture.ErrDoNotRestart, a transient child's normal end, any end of a
// temporary child. A temporary child leaves the group; a failure of one is
// sent as an EventChildFailed that restarts nothing. The error is
// errAutoShutdown when m was significant and its end ends the group.
func (r *groupRun) ended(m *member, ex exit) (bool, error) {
	switch {
	case m.restart == permanent && ex.panic == "" && errors.Is(ex.err, suture.ErrDoNotRestart):
	case m.restart == transient && ex.normal():
	case m.restart == temporary:
		if !ex.normal() {
			r.failedFinal(m, ex)
		}
	default:
		return false, nil
	}
	r.cfg.log.Debug().Str("child", m.name).Stringer("restart", m.restart).Msg("child ended; not restarted")
	if m.restart == temporary {
		r.leave(m)
	} else {
		r.setFinished(m)
	}
	r.cfg.hook(EventChildChanged{GroupName: r.cfg.name, ServiceName: m.name, Change: ChildEnded})
	if m.significant && r.shutsDown() {
		return true, errAutoShutdown
	}
	return true, nil
}

// shutsDown reports whether the end of a significant child ends the group,
// as AutoShutdown says: at once for AnySignificant, once no significant
// child remains to run for AllSignificant.
func (r *groupRun) shutsDown() bool {
	switch r.cfg.autoShutdown {
	case AnySignificant:
		return true
	case AllSignificant:
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, k := range r.kids {
			if k.significant && !k.finished {
				return false
			}
		}
		return true
	}
	return false
}

// restartSet returns the children that the strategy restarts with m, in
// start order, and the temporary ones among them, which are stopped and
// leave the group instead (OTP's rule). A permanent child that ended with
// suture.ErrDoNotRestart stays ended; a transient one that ended normally
// is started again with the others, as OTP does.
func (r *groupRun) restartSet(m *member) (restarts, drop []*member) {
	pos := slices.Index(r.kids, m)
	for _, i := range r.cfg.strategy.restarts(pos, len(r.kids)) {
		k := r.kids[i]
		switch {
		case k == m:
			restarts = append(restarts, k)
		case k.restart == temporary:
			drop = append(drop, k)
		case k.restart == permanent && k.finished:
		default:
			restarts = append(restarts, k)
		}
	}
	return restarts, drop
}

// dropTemporary takes out of the group the temporary children a restart
// stopped, and says so. As in OTP, their end ends no group: only a
// child's own end counts for AutoShutdown.
func (r *groupRun) dropTemporary(drop []*member) {
	r.leave(drop...)
	for _, m := range drop {
		r.cfg.hook(EventChildChanged{GroupName: r.cfg.name, ServiceName: m.name, Change: ChildEnded})
	}
}

// leave takes ms out of the group: a temporary child that ended, a child
// removed. They must not be running.
func (r *groupRun) leave(ms ...*member) {
	if len(ms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := func(k *member) bool { return slices.Contains(ms, k) }
	r.kids = slices.DeleteFunc(r.kids, out)
	r.plan = slices.DeleteFunc(r.plan, out)
}

// failed counts a failure of m, sends its event, and reports whether the
// group must back off before restarting.
func (r *groupRun) failed(m *member, ex exit, restarts []*member) (over bool) {
	failures, over := r.cfg.intensity.fail(time.Now())
	e := EventChildFailed{
		GroupName:        r.cfg.name,
		ServiceName:      m.name,
		Strategy:         r.cfg.strategy,
		Restarts:         names(restarts),
		CurrentFailures:  failures,
		FailureThreshold: r.cfg.intensity.threshold,
		Restarting:       !over,
		PanicMsg:         ex.panic,
		Stacktrace:       ex.stack,
	}
	if ex.panic == "" {
		e.Err = ex.cause()
	}
	r.cfg.hook(e)
	if over {
		r.cfg.hook(suture.EventBackoff{SupervisorName: r.cfg.name})
	}
	return over
}

// failedFinal sends the event of a temporary child's failure: it restarts
// nothing and, as in OTP, is not counted against the restart intensity.
func (r *groupRun) failedFinal(m *member, ex exit) {
	e := EventChildFailed{
		GroupName:        r.cfg.name,
		ServiceName:      m.name,
		Strategy:         r.cfg.strategy,
		Ended:            true,
		CurrentFailures:  r.cfg.intensity.failures,
		FailureThreshold: r.cfg.intensity.threshold,
		PanicMsg:         ex.panic,
		Stacktrace:       ex.stack,
	}
	if ex.panic == "" {
		e.Err = ex.cause()
	}
	r.cfg.hook(e)
}

func names(ms []*member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.name
	}
	return out
}

// pause waits out the backoff, keeping exits that arrive for later. It
// reports false if ctx ended first.
func (r *groupRun) pause(ctx context.Context) bool {
	t := time.NewTimer(jitter(r.cfg.backoff))
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.cfg.hook(suture.EventResume{SupervisorName: r.cfg.name})
			return true
		case ex := <-r.exits:
			r.pending = append(r.pending, ex)
		case <-ctx.Done():
			// The pause ends without a resume to log, but the
			// group is no longer paused: a Health must not keep
			// it so across the group's next Serve.
			if r.cfg.observe != nil {
				r.cfg.observe(suture.EventResume{SupervisorName: r.cfg.name})
			}
			return false
		}
	}
}

// start starts the children ms in order, each once the one before it is
// ready. A child that fails before it was ever ready fails the start with a
// *StartError. One that was ready before (in an earlier Serve, or before a
// restart) fails as a fault: counted, backed off if need be, and started
// again before the children after it, unless its restart type says its
// end was final.
func (r *groupRun) start(ctx context.Context, ms []*member) error {
	for k := 0; k < len(ms); {
		m := ms[k]
		ex, err := r.startOne(ctx, m)
		switch {
		case err == nil:
			k++
			continue
		case ctx.Err() != nil:
			return errStopped
		case !m.ready:
			// Even an error wrapping ErrDoNotRestart: a service that
			// refuses its configuration returns one.
			return r.startError(m, err)
		case ex.panic == "" && errors.Is(ex.err, suture.ErrTerminateSupervisorTree):
			return ex.err
		}
		if ended, err := r.ended(m, ex); ended {
			if err != nil {
				return err
			}
			k++
			continue
		}
		if r.failed(m, ex, ms[k:]) && !r.pause(ctx) {
			return errStopped
		}
	}
	return nil
}

// markReady records that m was ready, for this Serve and, for a child of
// Services, the next.
func (r *groupRun) markReady(m *member) {
	m.ready = true
	if m.static >= 0 {
		r.g.markChildReady(m.static)
	}
}

// startError names m in a StartError, under the path of a nested group's
// own StartError when m is one.
func (r *groupRun) startError(m *member, err error) error {
	var inner *StartError
	if errors.As(err, &inner) {
		return &StartError{Path: r.cfg.name + "/" + inner.Path, Err: inner.Err}
	}
	return &StartError{Path: r.cfg.name + "/" + m.name, Err: err}
}

// startOne starts m and waits until it is ready. If it is not, the error
// says why and ex is its exit, when it ended.
//
// The Ready channel is taken before Serve starts: a child that makes a fresh
// one when its Serve returns is then awaited afresh at each restart, and
// one whose channel stays closed across restarts is taken as ready at once.
func (r *groupRun) startOne(ctx context.Context, m *member) (ex exit, err error) {
	ready := readyOf(m.svc)
	r.launch(ctx, m)
	if ready == nil {
		r.markReady(m)
		return exit{}, nil
	}
	timer := time.NewTimer(r.cfg.startTimeout)
	defer timer.Stop()
	for {
		select {
		case <-ready:
			r.markReady(m)
			r.cfg.log.Debug().Str("child", m.name).Msg("child ready")
			return exit{}, nil
		case ex := <-r.exits:
			if ex.m != m || !r.current(ex) {
				r.pending = append(r.pending, ex)
				continue
			}
			select {
			case <-ready:
				// Ready, then gone at once (a job that closed Ready
				// when it was done): ready, and its exit is handled
				// as any other.
				r.markReady(m)
				r.pending = append(r.pending, ex)
				return exit{}, nil
			default:
			}
			r.setRunning(m, false)
			return ex, ex.cause()
		case <-timer.C:
			err := fmt.Errorf("not ready within the start timeout %v", r.cfg.startTimeout)
			r.stopOne(m, time.Now().Add(r.cfg.stopTimeout))
			return exit{m: m, err: err}, err
		case <-ctx.Done():
			return exit{}, errStopped
		}
	}
}

// launch runs m's Serve on a goroutine of its own, with a context the group
// cancels to stop it and a budget it sets before that. The context keeps
// ctx's values but not its cancellation: when the group's ctx ends, the
// children must stop one by one, in reverse order, not all at once.
func (r *groupRun) launch(ctx context.Context, m *member) {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cctx, b := withBudget(cctx)
	done := make(chan struct{})
	r.mu.Lock()
	m.gen++
	gen := m.gen
	m.running, m.finished, m.cancel, m.budget, m.done = true, false, cancel, b, done
	r.mu.Unlock()
	r.cfg.log.Debug().Str("child", m.name).Msg("starting child")
	go func() {
		ex := exit{m: m, gen: gen}
		defer func() {
			if p := recover(); p != nil {
				ex.panic, ex.stack = fmt.Sprint(p), string(debug.Stack())
			}
			cancel()
			close(done)
			select {
			case r.exits <- ex:
			case <-r.gone:
			}
		}()
		ex.err = m.svc.Serve(cctx)
	}()
}

// stopAll stops every running child, last started first, within the
// group's stop budget: the deadline handed down with ctx once it is done,
// shortened by an explicit StopTimeout, or else StopTimeout from now. Of a
// deadline handed down the group keeps back a twentieth, at most 250ms, as
// Run does, so that it has returned with its report before its parent
// gives up on it.
func (r *groupRun) stopAll(ctx context.Context) {
	now := time.Now()
	end := now.Add(r.cfg.stopTimeout)
	if dl, ok := StopDeadline(ctx); ok {
		dl = dl.Add(-reportReserve(dl.Sub(now)))
		if !r.cfg.explicitStop || dl.Before(end) {
			end = dl
		}
	}
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.stopSome(r.kids, end)
}

// stopSome stops the running children among ms in reverse start order,
// giving each its share of the time left until end.
func (r *groupRun) stopSome(ms []*member, end time.Time) {
	var live []*member
	r.mu.Lock()
	for _, m := range r.kids {
		if m.running && slices.Contains(ms, m) {
			live = append(live, m)
		}
	}
	r.mu.Unlock()
	for k := len(live) - 1; k >= 0; k-- {
		r.stopOne(live[k], share(time.Now(), end, k+1))
	}
}

// stopOne cancels m and waits for its Serve to return until deadline. A
// child still running then is abandoned: its event is sent and it is
// recorded, with its live parts, for the stop report.
func (r *groupRun) stopOne(m *member, deadline time.Time) {
	var shape *tree
	if sup := supervisorOf(m.svc); sup != nil {
		// Suture cannot list a supervisor's services once it stops.
		shape = snapshotOf(sup, r.cfg.name, m.name, map[*suture.Supervisor]bool{})
	}
	r.mu.Lock()
	m.running, m.stopping = false, true
	cancel, b, done := m.cancel, m.budget, m.done
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		m.stopping = false
		r.mu.Unlock()
	}()
	b.set(deadline)
	cancel()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var rep reporter
	select {
	case <-done:
		r.cfg.log.Debug().Str("child", m.name).Msg("child stopped")
		if shape != nil {
			if sr, ok := finishedReport(shape.sup, finishWait); ok {
				rep.finished(shape, sr)
			} else {
				rep.stopping(shape)
			}
		} else if g, ok := m.svc.(*Group); ok {
			rep.group(r.cfg.name, g)
		}
	case <-timer.C:
		r.cfg.hook(suture.EventStopTimeout{SupervisorName: r.cfg.name, Service: m.svc, ServiceName: m.name})
		if shape != nil {
			rep.stopping(shape)
		} else {
			rep.out = append(rep.out, unstopped{path: r.cfg.name, name: m.name})
			rep.parts(r.cfg.name, m.name, m.svc)
		}
	}
	if len(rep.out) > 0 {
		r.mu.Lock()
		r.abandoned = append(r.abandoned, rep.out...)
		r.mu.Unlock()
	}
}

// children is Group.children while Serve runs.
func (r *groupRun) children() []childView {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]childView, len(r.kids))
	for i, m := range r.kids {
		state := "down"
		switch {
		case m.running:
			state = "running"
		case m.stopping:
			state = "stopping"
		case m.finished:
			state = "finished"
		}
		out[i] = childView{m.svc, state, m.restart}
	}
	return out
}

// report is Group.report while Serve runs: what was abandoned so far, and
// the children still running or stopping as not confirmed stopped.
func (r *groupRun) report() []unstopped {
	r.mu.Lock()
	out := slices.Clone(r.abandoned)
	var live []*member
	for _, m := range r.kids {
		if m.running || m.stopping {
			live = append(live, m)
		}
	}
	r.mu.Unlock()
	var rep reporter
	for _, m := range live {
		rep.out = append(rep.out, unstopped{path: r.cfg.name, name: m.name, unconfirmed: true})
		rep.parts(r.cfg.name, m.name, m.svc)
	}
	return append(out, rep.out...)
}

// readyOf returns the channel that says svc is ready, or nil for a service
// that is ready once started.
func readyOf(svc suture.Service) <-chan struct{} {
	if r, ok := svc.(interface{ Ready() <-chan struct{} }); ok {
		return r.Ready()
	}
	return nil
}
