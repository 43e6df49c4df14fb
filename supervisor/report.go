package supervisor

import (
	"cmp"
	"slices"
	"time"

	"github.com/thejerf/suture/v4"
)

// WorkReporter is implemented by services that run parts of their work
// outside suture's view, as a listener runs its connections. When such a
// service has not stopped, [Run]'s report names each part it returns, so a
// stuck connection is found by its listener and remote address
// ("app/kv: conn 127.0.0.1:5555 (id 7)").
//
// LiveWork is called from another goroutine while the service may still
// be running: it must be safe for concurrent use and must not block. It
// returns one short description per live part, such as "acceptor" or
// "conn 127.0.0.1:5555 (id 7)", and nil when none is running.
type WorkReporter interface {
	LiveWork() []string
}

// finishWait bounds the wait on a supervisor that should already have
// finished stopping; see finishedReport.
const finishWait = time.Second

// unstopped is one entry of the report: a service, or a part of one, that
// had not stopped.
type unstopped struct {
	path string // the supervisor, or for a part the service, it runs under
	name string
	// unconfirmed marks an entry taken from the snapshot of a supervisor
	// still stopping: it had not been seen to stop, but it may have.
	unconfirmed bool
}

func (u unstopped) String() string {
	s := u.name
	if u.path != "" {
		s = u.path + ": " + s
	}
	if u.unconfirmed {
		s += " (not confirmed stopped)"
	}
	return s
}

// reporter collects the report of a tree's stop. Suture's
// UnstoppedServiceReport covers one supervisor only, and blocks until that
// supervisor has finished stopping, so the walk calls it only where it is
// known to return: on the root once its Serve has returned, and on a child
// supervisor that its finished parent saw stop in time.
type reporter struct {
	out []unstopped
}

// finished adds what t, whose Serve has returned, left running; rep is t's
// own UnstoppedServiceReport.
func (r *reporter) finished(t *tree, rep suture.UnstoppedServiceReport) {
	rep = slices.Clone(rep)
	slices.SortFunc(rep, func(a, b suture.UnstoppedService) int { return cmp.Compare(a.Name, b.Name) })
	late := map[*suture.Supervisor]bool{}
	for _, u := range rep {
		if sup := supervisorOf(u.Service); sup != nil {
			// t gave up waiting for this child supervisor: it is still
			// stopping and its own report is not ready, so all that can
			// be said is what it ran when the stop began.
			late[sup] = true
			r.stopping(t.sub(sup, u.Name))
		} else {
			r.out = append(r.out, unstopped{path: t.path, name: u.Name})
		}
		r.parts(t.path, u.Name, u.Service)
	}
	stuck := map[string]bool{}
	for _, u := range rep {
		stuck[u.Name] = true
	}
	for _, c := range t.kids {
		if g, ok := c.svc.(*Group); ok && !stuck[c.name] {
			// A group that returned in time may have abandoned
			// children of its own.
			r.group(t.path, g)
		}
		if c.sub == nil || late[c.sub.sup] {
			continue
		}
		// This child supervisor returned in time, but it may have
		// abandoned services of its own, which t's report does not show.
		if rep, ok := finishedReport(c.sub.sup, finishWait); ok {
			r.finished(c.sub, rep)
		} else {
			r.stopping(c.sub)
		}
	}
}

// stopping adds every service in the snapshot of t, a supervisor that has
// not finished stopping, as not confirmed stopped.
func (r *reporter) stopping(t *tree) {
	if len(t.kids) == 0 {
		r.out = append(r.out, unstopped{path: t.parent, name: t.name, unconfirmed: true})
		return
	}
	for _, c := range t.kids {
		if c.sub != nil {
			r.stopping(c.sub)
		} else {
			r.out = append(r.out, unstopped{path: t.path, name: c.name, unconfirmed: true})
		}
		r.parts(t.path, c.name, c.svc)
	}
}

// stillStopping adds what a root that has not returned may still run: the
// snapshot of a supervisor, or the report of a group or the parts of a
// service.
func (r *reporter) stillStopping(shape *tree, name string, root suture.Service) {
	if shape != nil {
		r.stopping(shape)
		return
	}
	if _, ok := root.(*Group); !ok {
		r.out = append(r.out, unstopped{name: name, unconfirmed: true})
	}
	r.parts("", name, root)
}

// parts adds the live parts of svc, named under path/name: a
// WorkReporter's parts, or what a Group did not stop.
func (r *reporter) parts(path, name string, svc suture.Service) {
	if g, ok := svc.(*Group); ok {
		r.group(path, g)
		return
	}
	p, ok := svc.(WorkReporter)
	if !ok {
		return
	}
	if path != "" {
		name = path + "/" + name
	}
	for _, part := range p.LiveWork() {
		r.out = append(r.out, unstopped{path: name, name: part})
	}
}

// finishedReport returns sup's UnstoppedServiceReport, waiting at most wait
// for it. It is called only for a supervisor whose parent saw its Serve
// return, which closes the channel UnstoppedServiceReport waits on, so the
// answer comes at once. The bound covers what suture does not promise: a
// HasSupervisor whose Serve returned without running its supervisor's Serve,
// or a supervisor whose Serve panicked, on which the call would block
// forever. Then the goroutine below waits on until that supervisor ever
// finishes, the price of suture offering no call that does not block.
func finishedReport(sup *suture.Supervisor, wait time.Duration) (suture.UnstoppedServiceReport, bool) {
	c := make(chan suture.UnstoppedServiceReport, 1)
	go func() {
		rep, _ := sup.UnstoppedServiceReport() // its error is always nil in v4.0.6
		c <- rep
	}()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case rep := <-c:
		return rep, true
	case <-t.C:
		return nil, false
	}
}

// group adds what g did not stop; path is that of g's parent, "" for a root.
func (r *reporter) group(path string, g *Group) {
	for _, u := range g.report() {
		if path != "" {
			u.path = path + "/" + u.path
		}
		r.out = append(r.out, u)
	}
}
