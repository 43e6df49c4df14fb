package supervisor

import (
	"fmt"
	"math"
	"strings"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

// EventHook returns a suture event hook that logs every event to logger as
// one line with structured fields: "supervisor" (the name of the supervisor
// the event happened in) on all of them; "service", "restarting",
// "failures" and "threshold" on a service's failure; "error" on a
// termination; "panic" and "stack" on a panic; "backoff", true on entering
// the backoff and false on leaving it. Levels follow severity:
//
//   - a service panicked: error;
//   - a service returned: warn while it is restarted at once, error when
//     the supervisor is backing off and the restart waits;
//   - a supervisor enters its backoff: warn; it resumes: info;
//   - a service did not stop within the stop timeout: error.
//
// Suture calls the hook on the supervisor's own goroutine, so the hook only
// formats one line: it never blocks on anything but logger's writer. It is
// also called concurrently: by each supervisor of a tree, since a child
// supervisor takes its parent's hook when added, and by the goroutine that
// times out a Remove. So logger's writer must be safe for concurrent use,
// as os.Stderr is and a bare bytes.Buffer is not.
func EventHook(logger zerolog.Logger) suture.EventHook {
	return func(ev suture.Event) {
		switch e := ev.(type) {
		case suture.EventServicePanic:
			logger.Error().
				Str("supervisor", e.SupervisorName).
				Str("service", e.ServiceName).
				Bool("restarting", e.Restarting).
				Int("failures", int(math.Round(e.CurrentFailures))).
				Float64("threshold", e.FailureThreshold).
				Str("panic", e.PanicMsg).
				Str("stack", e.Stacktrace).
				Msg("service panicked")
		case suture.EventServiceTerminate:
			// Restarting is false only while the supervisor is backing
			// off: the service then stays down until the backoff ends.
			z, msg := logger.Warn(), "service failed; restarting"
			if !e.Restarting {
				z, msg = logger.Error(), "service failed; restart waits for the backoff"
			}
			z = z.Str("supervisor", e.SupervisorName).
				Str("service", e.ServiceName).
				Bool("restarting", e.Restarting).
				Int("failures", int(math.Round(e.CurrentFailures))).
				Float64("threshold", e.FailureThreshold)
			switch err := e.Err.(type) {
			case nil:
			case error:
				z = z.Err(err)
			default:
				z = z.Interface(zerolog.ErrorFieldName, err)
			}
			z.Msg(msg)
		case EventChildFailed:
			z, msg := logger.Warn(), "child failed; restarting"
			if e.PanicMsg != "" {
				z, msg = logger.Error(), "child panicked; restarting"
			}
			if e.Ended {
				msg = strings.Replace(msg, "restarting", "not restarted", 1)
			} else if !e.Restarting {
				z, msg = logger.Error(), msg+" after the backoff"
			}
			z = z.Str("supervisor", e.GroupName).
				Str("service", e.ServiceName).
				Stringer("strategy", e.Strategy).
				Strs("restarts", e.Restarts).
				Bool("restarting", e.Restarting).
				Int("failures", int(math.Round(e.CurrentFailures))).
				Float64("threshold", e.FailureThreshold)
			if e.Err != nil {
				z = z.Err(e.Err)
			}
			if e.PanicMsg != "" {
				z = z.Str("panic", e.PanicMsg).Str("stack", e.Stacktrace)
			}
			z.Msg(msg)
		case EventChildChanged:
			// Changes asked for, and ends that are no failure, are the
			// program's own doing: info, or warn when one failed.
			z := logger.Info()
			if e.Change == ChildEnded {
				z = logger.Debug()
			}
			if e.Err != nil {
				z = logger.Warn().Err(e.Err)
			}
			if len(e.Restarts) > 0 {
				z = z.Strs("restarts", e.Restarts)
			}
			z.Str("supervisor", e.GroupName).
				Str("service", e.ServiceName).
				Msg("child " + e.Change.String())
		case suture.EventBackoff:
			logger.Warn().
				Str("supervisor", e.SupervisorName).
				Bool("backoff", true).
				Msg("too many failures; supervisor pauses restarts")
		case suture.EventResume:
			logger.Info().
				Str("supervisor", e.SupervisorName).
				Bool("backoff", false).
				Msg("supervisor resumes restarts")
		case suture.EventStopTimeout:
			logger.Error().
				Str("supervisor", e.SupervisorName).
				Str("service", e.ServiceName).
				Msg("service did not stop within the stop timeout; abandoned")
		default:
			// An event type newer than this package: keep its fields.
			logger.Warn().Fields(ev.Map()).Msg(ev.String())
		}
	}
}

// EventChildFailed is the event a [Group] sends to its hook when one of its
// children returned or panicked while the group was running. It carries
// what suture's EventServiceTerminate and EventServicePanic carry, and the
// strategy with the children it restarts. The group's backoffs, resumes and
// abandoned children are sent as suture's own EventBackoff, EventResume and
// EventStopTimeout, whose Supervisor field is nil.
//
// It is exported for event hooks of the program's own (metrics, alerts),
// which see it beside suture's events and type-switch on it as
// [EventHook] and [Health.Observe] do.
type EventChildFailed struct {
	GroupName   string
	ServiceName string
	Strategy    Strategy
	// Restarts names the children the strategy stops and starts again, in
	// start order; empty when the child is not restarted (Ended). An end
	// that is no failure (an error wrapping suture.ErrDoNotRestart, a
	// transient child's normal end) is sent as [EventChildChanged] instead.
	Restarts         []string
	CurrentFailures  float64
	FailureThreshold float64
	// Restarting is false when the failure pushed the group into its
	// backoff: the restart waits for it to pass.
	Restarting bool
	// Ended is true when the child is not restarted: it was temporary
	// (see [Temporary]) and has left the group. Restarts is then empty.
	Ended bool
	Err   error
	// PanicMsg and Stacktrace are set when the child panicked.
	PanicMsg   string
	Stacktrace string
}

// Type is suture's EventTypeServicePanic for a panic and
// EventTypeServiceTerminate otherwise.
func (e EventChildFailed) Type() suture.EventType {
	if e.PanicMsg != "" {
		return suture.EventTypeServicePanic
	}
	return suture.EventTypeServiceTerminate
}

// String describes the event in one line.
func (e EventChildFailed) String() string {
	what := fmt.Sprintf("error: %v", e.Err)
	if e.PanicMsg != "" {
		what = "panic: " + e.PanicMsg
	}
	return fmt.Sprintf("%s: child %q failed (%d of %d failures), %s restarts %v, %s",
		e.GroupName, e.ServiceName, int(e.CurrentFailures), int(e.FailureThreshold), e.Strategy, e.Restarts, what)
}

// Map returns the event's fields, named as suture names its own.
func (e EventChildFailed) Map() map[string]any {
	m := map[string]any{
		"supervisor_name":   e.GroupName,
		"service_name":      e.ServiceName,
		"strategy":          e.Strategy.String(),
		"restarts":          e.Restarts,
		"current_failures":  e.CurrentFailures,
		"failure_threshold": e.FailureThreshold,
		"restarting":        e.Restarting,
	}
	if e.Ended {
		m["ended"] = true
	}
	if e.Err != nil {
		m["error"] = e.Err.Error()
	}
	if e.PanicMsg != "" {
		m["panic"] = e.PanicMsg
		m["stack"] = e.Stacktrace
	}
	return m
}

// Change is what happened to a child of a [Group] that was not a failure,
// as [EventChildChanged] says.
type Change uint8

// The changes.
const (
	// ChildAdded: [Group.Add] started the child (or, with Err set, could
	// not: it failed before it was ready and is not in the group).
	ChildAdded Change = iota + 1
	// ChildRemoved: [Group.Remove] stopped the child and it left the
	// group.
	ChildRemoved
	// ChildRestarted: [Group.Restart] stopped the child, and the
	// siblings its group's Strategy names, and started them again.
	ChildRestarted
	// ChildEnded: the child ended for good, without a failure: a
	// transient child's normal end, a temporary child's end (or its stop
	// by a sibling's restart, after which it leaves the group), or any
	// child's error wrapping suture.ErrDoNotRestart.
	ChildEnded
)

// String returns "added", "removed", "restarted" or "ended".
func (c Change) String() string {
	switch c {
	case ChildAdded:
		return "added"
	case ChildRemoved:
		return "removed"
	case ChildRestarted:
		return "restarted"
	case ChildEnded:
		return "ended"
	}
	return fmt.Sprintf("Change(%d)", uint8(c))
}

// EventTypeChildChanged is the suture.EventType of [EventChildChanged],
// beyond the values suture gives its own events.
const EventTypeChildChanged suture.EventType = 1 << 8

// EventChildChanged is the event a [Group] sends to its hook when one of
// its children was added, removed or restarted on demand while it ran, or
// ended for good without a failure. It is sent once the change is made:
// after the added child is ready, the removed one stopped, the restarted
// ones ready again.
type EventChildChanged struct {
	GroupName   string
	ServiceName string
	Change      Change
	// Restarts names the children a ChildRestarted started again, in
	// start order: the child and those its group's Strategy names with
	// it.
	Restarts []string
	// Err is why a change could not be made: an added child that failed
	// before it was ready.
	Err error
}

// Type returns EventTypeChildChanged.
func (e EventChildChanged) Type() suture.EventType { return EventTypeChildChanged }

// String describes the event in one line.
func (e EventChildChanged) String() string {
	s := fmt.Sprintf("%s: child %q %s", e.GroupName, e.ServiceName, e.Change)
	if len(e.Restarts) > 0 {
		s += fmt.Sprintf(" with %v", e.Restarts)
	}
	if e.Err != nil {
		s += fmt.Sprintf(" failed: %v", e.Err)
	}
	return s
}

// Map returns the event's fields, named as suture names its own.
func (e EventChildChanged) Map() map[string]any {
	m := map[string]any{
		"supervisor_name": e.GroupName,
		"service_name":    e.ServiceName,
		"change":          e.Change.String(),
	}
	if len(e.Restarts) > 0 {
		m["restarts"] = e.Restarts
	}
	if e.Err != nil {
		m["error"] = e.Err.Error()
	}
	return m
}
