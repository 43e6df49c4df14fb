package supervisor

import (
	"fmt"
	"math"

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
			if !e.Restarting {
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
	// start order; empty when the child ended for good (it returned an
	// error wrapping suture.ErrDoNotRestart is not a failure and sends no
	// event).
	Restarts         []string
	CurrentFailures  float64
	FailureThreshold float64
	// Restarting is false when the failure pushed the group into its
	// backoff: the restart waits for it to pass.
	Restarting bool
	Err        error
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
	if e.Err != nil {
		m["error"] = e.Err.Error()
	}
	if e.PanicMsg != "" {
		m["panic"] = e.PanicMsg
		m["stack"] = e.Stacktrace
	}
	return m
}
