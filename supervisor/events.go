package supervisor

import (
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
				Float64("failures", e.CurrentFailures).
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
				Float64("failures", e.CurrentFailures).
				Float64("threshold", e.FailureThreshold)
			switch err := e.Err.(type) {
			case nil:
			case error:
				z = z.Err(err)
			default:
				z = z.Interface(zerolog.ErrorFieldName, err)
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
