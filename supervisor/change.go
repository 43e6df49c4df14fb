package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/thejerf/suture/v4"
)

// Errors of [Group.Add], [Group.Remove] and [Group.Restart]. The error
// that wraps one names the group, the call and the child: "supervisor: no
// such child: group app: restart db".
var (
	// ErrUnknownChild: no child of the group has that name.
	ErrUnknownChild = errors.New("supervisor: no such child")
	// ErrDuplicateChild: a child of the group already has that name
	// (Add), or two children share it, so that it names neither
	// (Remove, Restart).
	ErrDuplicateChild = errors.New("supervisor: duplicate child name")
	// ErrNotRunning: the group is not serving, or is stopping.
	ErrNotRunning = errors.New("supervisor: group not running")
)

// change is one change asked of a running group, made on its goroutine.
type change struct {
	what Change // ChildAdded, ChildRemoved or ChildRestarted
	m    *member
}

// Add adds svc to the running group as its last child, as OTP's
// start_child does: it starts once the group's own start and every change
// asked before it are done and the children before it are ready, and at
// the group's stop it stops before all of them. svc may be wrapped in
// [Transient], [Temporary] or [Significant].
//
// Add returns once the group has taken the child; the start happens on the
// group's goroutine, in order with its restarts and the other changes, and
// an [EventChildChanged] (ChildAdded) says when the child is ready, or, with
// Err set, that it failed before it was: it then leaves the group, and the
// group carries on. Add never waits for a child's Serve, so a child may call
// it. It returns an error wrapping [ErrNotRunning] when the group is not
// serving or stopping, [ErrDuplicateChild] when a child already has svc's
// name (its String), or [ErrBadConfig] for a nil svc or a significant
// permanent one.
//
// A child added at run time lasts as long as this Serve: a group that its
// parent restarts starts again from Services, as an OTP supervisor restarted
// runs its init again.
func (g *Group) Add(svc suture.Service) error {
	sp := specOf(svc)
	if err := sp.validate(); err != nil {
		return fmt.Errorf("supervisor: %w: group %s: Add: service %w", ErrBadConfig, g.String(), err)
	}
	m := &member{spec: sp, static: -1, name: serviceName(sp.svc)}
	return g.ask(ChildAdded, m.name, func(r *groupRun) (*member, error) {
		if r.find(m.name) != nil {
			return nil, ErrDuplicateChild
		}
		r.plan = append(r.plan, m)
		return m, nil
	})
}

// Remove stops the child named name and takes it out of the group, as
// OTP's terminate_child and delete_child do together. The child gets the
// group's StopTimeout to return, as one child stopped alone gets all of a
// stop budget; one still running then is abandoned and named in the stop
// report. The children after it are not touched, whatever the Strategy:
// a removal is no failure.
//
// Remove returns once the group has taken the change, with the same
// contract as [Group.Add]; an [EventChildChanged] (ChildRemoved) says when
// the child has stopped. A child may remove itself: its ctx is cancelled
// and the group waits for its Serve to return. Remove returns an error
// wrapping [ErrUnknownChild] for a name no child has (a temporary child that
// ended has left the group), [ErrDuplicateChild] for a name two children
// share, [ErrNotRunning] when the group is not serving.
func (g *Group) Remove(name string) error {
	return g.ask(ChildRemoved, name, func(r *groupRun) (*member, error) {
		m, err := r.lookup(name)
		if err != nil {
			return nil, err
		}
		r.plan = slices.DeleteFunc(r.plan, func(k *member) bool { return k == m })
		return m, nil
	})
}

// Restart stops the child named name and starts it again, with the
// siblings its group's Strategy restarts with it, as a failure of the child
// would, but neither counted against the restart intensity nor sent as a
// failure: one-for-one restarts the child alone, rest-for-one the child and
// every child started after it, one-for-all every child. The strategy says
// which children depend on which, and a configuration change that a
// database child reloads is one its dependants must see too (suture's
// issue 6 asks to restart a subtree so). Temporary siblings in that set are
// stopped and leave the group, as at a failure; a child that had ended (a
// transient one that finished) is started again, as OTP's restart_child
// does.
//
// Restart returns once the group has taken the change, with the same
// contract as [Group.Add]; an [EventChildChanged] (ChildRestarted) says
// when every restarted child is ready again. It returns the errors of
// [Group.Remove].
func (g *Group) Restart(name string) error {
	return g.ask(ChildRestarted, name, func(r *groupRun) (*member, error) {
		return r.lookup(name)
	})
}

// ask queues a change on the running group, once take has found its
// child (and, under the lock, updated the plan).
func (g *Group) ask(what Change, name string, take func(*groupRun) (*member, error)) error {
	g.mu.Lock()
	r := g.serving
	g.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%w: group %s: %s %s", ErrNotRunning, g.String(), what.verb(), name)
	}
	r.mu.Lock()
	var m *member
	err := ErrNotRunning
	if !r.closing {
		m, err = take(r)
	}
	if err == nil {
		r.changes = append(r.changes, change{what, m})
	}
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: group %s: %s %s", err, r.cfg.name, what.verb(), name)
	}
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending: it takes every change queued
	}
	return nil
}

// verb names the method that asks for c, for errors.
func (c Change) verb() string {
	switch c {
	case ChildAdded:
		return "add"
	case ChildRemoved:
		return "remove"
	}
	return "restart"
}

// find returns the planned child named name, or nil; r.mu is held.
func (r *groupRun) find(name string) *member {
	for _, k := range r.plan {
		if k.name == name {
			return k
		}
	}
	return nil
}

// lookup returns the one planned child named name; r.mu is held.
func (r *groupRun) lookup(name string) (*member, error) {
	var found *member
	for _, k := range r.plan {
		if k.name != name {
			continue
		}
		if found != nil {
			return nil, ErrDuplicateChild
		}
		found = k
	}
	if found == nil {
		return nil, ErrUnknownChild
	}
	return found, nil
}

// applyChanges makes the changes queued so far, in the order they were
// asked. It returns what a start returns when a restart it makes fails,
// or errStopped when ctx ends.
func (r *groupRun) applyChanges(ctx context.Context) error {
	r.mu.Lock()
	changes := r.changes
	r.changes = nil
	r.mu.Unlock()
	for _, c := range changes {
		if ctx.Err() != nil {
			return errStopped
		}
		var err error
		switch c.what {
		case ChildAdded:
			err = r.add(ctx, c.m)
		case ChildRemoved:
			r.remove(c.m)
		case ChildRestarted:
			err = r.restart(ctx, c.m)
		}
		if err != nil {
			return err // the changes not made end with the group
		}
	}
	return nil
}

// add starts m after the others and waits until it is ready. An added
// child that fails before it was ever ready is no start failure of the
// group: it leaves it, and the event says why.
func (r *groupRun) add(ctx context.Context, m *member) error {
	if !r.planned(m) {
		return nil // removed before it started
	}
	r.mu.Lock()
	r.kids = append(r.kids, m)
	r.mu.Unlock()
	_, err := r.startOne(ctx, m)
	if err == errStopped {
		return err
	}
	if err != nil {
		r.leave(m)
	}
	r.cfg.hook(EventChildChanged{GroupName: r.cfg.name, ServiceName: m.name, Change: ChildAdded, Err: err})
	return nil
}

// remove stops m, if it runs, within the group's StopTimeout and takes it
// out of the group.
func (r *groupRun) remove(m *member) {
	// m may have left already (a temporary child that ended) or never
	// started (removed before its Add was made): then only the event.
	r.stopSome([]*member{m}, time.Now().Add(r.cfg.stopTimeout))
	r.leave(m)
	r.cfg.hook(EventChildChanged{GroupName: r.cfg.name, ServiceName: m.name, Change: ChildRemoved})
}

// restart stops m and the siblings its strategy names, and starts them
// again, as handle does for a failure but without counting one.
func (r *groupRun) restart(ctx context.Context, m *member) error {
	if !slices.Contains(r.kids, m) || !r.planned(m) {
		return nil // it left the group since Restart was called
	}
	restarts, drop := r.restartSet(m)
	r.stopSome(append(slices.Clone(restarts), drop...), time.Now().Add(r.cfg.stopTimeout))
	r.dropTemporary(drop)
	if err := r.start(ctx, restarts); err != nil {
		return err
	}
	r.cfg.hook(EventChildChanged{GroupName: r.cfg.name, ServiceName: m.name, Change: ChildRestarted, Restarts: names(restarts)})
	return nil
}

// planned reports whether m is still meant to be a child: no Remove was
// asked for it since.
func (r *groupRun) planned(m *member) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.plan, m)
}
