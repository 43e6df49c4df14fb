package supervisor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/thejerf/suture/v4"
)

// restartType is when a child is restarted, as OTP's restart types say.
type restartType uint8

const (
	permanent restartType = iota // always restarted: suture's rule and a Group's default
	transient                    // restarted only after an abnormal end
	temporary                    // never restarted
)

func (t restartType) String() string {
	switch t {
	case transient:
		return "transient"
	case temporary:
		return "temporary"
	}
	return "permanent"
}

// Transient returns svc as a transient child: a [Group] restarts it only
// after an abnormal end. A return of nil, or of an error wrapping
// suture.ErrDoNotRestart, is a normal end: the child stays in the group,
// ended ("finished" in [Health.Tree]), until a sibling's failure restarts it
// with the others its group's Strategy names (OTP's rule), or
// [Group.Restart] starts it again. A panic or any other error is abnormal,
// and restarts it as a permanent child's failure does.
//
// Under a suture supervisor, which has no restart types, the returned
// service gives the same answer in suture's terms: a nil return becomes an
// error wrapping suture.ErrDoNotRestart, so that suture does not restart
// it; errors and panics reach suture unchanged and are restarted.
//
// Transient(Significant(svc)) and Significant(Transient(svc)) are the same
// child. The returned service has svc's String.
func Transient(svc suture.Service) suture.Service {
	s := specOf(svc)
	s.restart = transient
	return &typed{s}
}

// Temporary returns svc as a temporary child: a [Group] never restarts
// it, whatever its end, nor when a sibling's failure restarts the others
// (one-for-all, rest-for-one): it is then stopped and leaves the group, as
// in OTP. A temporary child leaves the group when it ends; its name may be
// given to a child added afterwards. A failure (a panic, an error other
// than suture.ErrDoNotRestart) is still sent as [EventChildFailed], with
// no restarts, but does not count against the group's restart intensity.
//
// Under a suture supervisor the returned service returns an error
// wrapping suture.ErrDoNotRestart whatever svc's end, its panic recovered
// into that error with the stack: suture sends no event for such an
// error, so a temporary service under suture that must be heard logs its
// own failure.
func Temporary(svc suture.Service) suture.Service {
	s := specOf(svc)
	s.restart = temporary
	return &typed{s}
}

// Significant marks a transient or temporary child of a [Group] as
// significant: its end can end the group, as the group's AutoShutdown
// says (OTP's significant children). A transient child's normal end
// counts, and any end of a temporary one. A significant permanent child is
// a bad configuration (OTP refuses it too): a permanent child never ends
// on its own. Under a suture supervisor, or a Group whose AutoShutdown is
// NoAutoShutdown, significance does nothing.
func Significant(svc suture.Service) suture.Service {
	s := specOf(svc)
	s.significant = true
	return &typed{s}
}

// AutoShutdown is when a [Group] ends on its own because its significant
// children (see [Significant]) ended, as OTP's auto_shutdown supervisor
// flag says. Its Serve then stops the other children in reverse order and
// returns nil, so that a job runner or a one-shot migration ends its
// subtree cleanly and [Run] returns nil.
//
// A Group that ends on its own returns nil, which its parent treats by the
// group's own restart type: a parent Group restarts a permanent group, as
// OTP restarts a supervisor that shut down; give the group to its parent
// as [Transient] (or [Temporary]) for its end to be final. Under a suture
// supervisor, wrap it in Transient for the same reason.
type AutoShutdown uint8

const (
	// NoAutoShutdown is the default (OTP's never): significance is ignored and the group runs
	// until it is stopped.
	NoAutoShutdown AutoShutdown = iota
	// AnySignificant ends the group when any significant child ends.
	AnySignificant
	// AllSignificant ends the group once every significant child has
	// ended: none is running or waiting for its restart.
	AllSignificant
)

// String returns the setting as OTP spells it: "never",
// "any_significant", "all_significant".
func (a AutoShutdown) String() string {
	switch a {
	case NoAutoShutdown:
		return "never"
	case AnySignificant:
		return "any_significant"
	case AllSignificant:
		return "all_significant"
	}
	return fmt.Sprintf("AutoShutdown(%d)", uint8(a))
}

// spec is a child as a Group runs it: the service and how it restarts.
type spec struct {
	svc         suture.Service
	restart     restartType
	significant bool
}

// specOf unwraps what Transient, Temporary and Significant put around svc,
// so that a Group sees the service itself (its Ready, whether it is a
// Group or a supervisor) and the tree shows it.
func specOf(svc suture.Service) spec {
	if t, ok := svc.(*typed); ok {
		return t.spec
	}
	return spec{svc: svc}
}

// typed is a service with its restart type; a Group unwraps it, a suture
// supervisor serves it as it is.
type typed struct{ spec }

// String returns the service's own name.
func (t *typed) String() string { return serviceName(t.svc) }

// Serve serves the service and translates its end into suture's terms
// for its restart type; see Transient and Temporary.
func (t *typed) Serve(ctx context.Context) (err error) {
	if t.restart == temporary {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%s: panic: %v\n%s: %w", t, p, debug.Stack(), suture.ErrDoNotRestart)
			}
		}()
	}
	err = t.svc.Serve(ctx)
	switch {
	case errors.Is(err, suture.ErrDoNotRestart), errors.Is(err, suture.ErrTerminateSupervisorTree):
		return err
	case t.restart == temporary && err != nil:
		return fmt.Errorf("%w (%w)", err, suture.ErrDoNotRestart)
	case t.restart != permanent && err == nil:
		return fmt.Errorf("%s ended: %w", t, suture.ErrDoNotRestart)
	}
	return err
}

// validate refuses what OTP refuses: a missing service, a significant
// permanent child.
func (s spec) validate() error {
	switch {
	case s.svc == nil:
		return errors.New("is nil")
	case s.significant && s.restart == permanent:
		return fmt.Errorf("%s: a significant child must be transient or temporary", serviceName(s.svc))
	}
	return nil
}
