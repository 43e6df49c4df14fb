package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// futureEvent stands for an event type added to suture after this package.
type futureEvent struct{}

func (futureEvent) String() string         { return "app: something new" }
func (futureEvent) Type() suture.EventType { return suture.EventType(99) }
func (futureEvent) Map() map[string]any    { return map[string]any{"supervisor_name": "app"} }

func TestEventHookLevelsAndFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event suture.Event
		want  map[string]any
	}{
		{
			name: "panic",
			event: suture.EventServicePanic{
				SupervisorName: "app", ServiceName: "db", CurrentFailures: 1, FailureThreshold: 5,
				Restarting: true, PanicMsg: "boom", Stacktrace: "goroutine 7 [running]:\nmain.f()",
			},
			want: map[string]any{
				"level": "error", "message": "service panicked", "supervisor": "app", "service": "db",
				"failures": 1.0, "threshold": 5.0, "restarting": true, "panic": "boom",
				"stack": "goroutine 7 [running]:\nmain.f()",
			},
		},
		{
			name: "terminate, restarting",
			event: suture.EventServiceTerminate{
				SupervisorName: "app", ServiceName: "db", CurrentFailures: 2, FailureThreshold: 5,
				Restarting: true, Err: errors.New("connection refused"),
			},
			want: map[string]any{
				"level": "warn", "message": "service failed; restarting", "supervisor": "app", "service": "db",
				"failures": 2.0, "threshold": 5.0, "restarting": true, "error": "connection refused",
			},
		},
		{
			name: "terminate, backing off",
			event: suture.EventServiceTerminate{
				SupervisorName: "app", ServiceName: "db", CurrentFailures: 6, FailureThreshold: 5,
				Restarting: false, Err: errors.New("connection refused"),
			},
			want: map[string]any{
				"level": "error", "message": "service failed; restart waits for the backoff",
				"restarting": false, "failures": 6.0, "error": "connection refused",
			},
		},
		{
			name: "terminate with a value that is not an error",
			event: suture.EventServiceTerminate{
				SupervisorName: "app", ServiceName: "db", Restarting: true, Err: "odd value",
			},
			want: map[string]any{"level": "warn", "error": "odd value"},
		},
		{
			name: "a group's child failed",
			event: EventChildFailed{
				GroupName: "g", ServiceName: "b", Strategy: RestForOne, Restarts: []string{"b", "c"},
				CurrentFailures: 1, FailureThreshold: 5, Restarting: true, Err: errors.New("boom"),
			},
			want: map[string]any{
				"level": "warn", "message": "child failed; restarting", "supervisor": "g", "service": "b",
				"strategy": "rest-for-one", "failures": 1.0, "threshold": 5.0, "restarting": true, "error": "boom",
			},
		},
		{
			name: "a group's child panicked",
			event: EventChildFailed{
				GroupName: "g", ServiceName: "b", Restarting: true, PanicMsg: "kaboom", Stacktrace: "goroutine 7",
			},
			want: map[string]any{
				"level": "error", "message": "child panicked; restarting", "service": "b",
				"panic": "kaboom", "stack": "goroutine 7",
			},
		},
		{
			name: "a group's child failed into the backoff",
			event: EventChildFailed{
				GroupName: "g", ServiceName: "a", Restarting: false, Err: errors.New("boom"),
			},
			want: map[string]any{
				"level": "error", "message": "child failed; restarting after the backoff", "service": "a", "restarting": false,
			},
		},
		{
			name: "a group's temporary child failed",
			event: EventChildFailed{
				GroupName: "g", ServiceName: "a", Ended: true, Err: errors.New("boom"),
			},
			want: map[string]any{
				"level": "warn", "message": "child failed; not restarted", "service": "a", "error": "boom",
			},
		},
		{
			name:  "a group's child added",
			event: EventChildChanged{GroupName: "g", ServiceName: "a", Change: ChildAdded},
			want:  map[string]any{"level": "info", "message": "child added", "supervisor": "g", "service": "a"},
		},
		{
			name:  "a group's child could not be added",
			event: EventChildChanged{GroupName: "g", ServiceName: "a", Change: ChildAdded, Err: errors.New("boom")},
			want:  map[string]any{"level": "warn", "message": "child added", "error": "boom"},
		},
		{
			name:  "a group's children restarted on demand",
			event: EventChildChanged{GroupName: "g", ServiceName: "a", Change: ChildRestarted, Restarts: []string{"a", "b"}},
			want:  map[string]any{"level": "info", "message": "child restarted", "service": "a"},
		},
		{
			name:  "a group's child ended",
			event: EventChildChanged{GroupName: "g", ServiceName: "a", Change: ChildEnded},
			want:  map[string]any{"level": "debug", "message": "child ended"},
		},
		{
			name:  "backoff",
			event: suture.EventBackoff{SupervisorName: "app"},
			want:  map[string]any{"level": "warn", "supervisor": "app", "backoff": true},
		},
		{
			name:  "resume",
			event: suture.EventResume{SupervisorName: "app"},
			want:  map[string]any{"level": "info", "supervisor": "app", "backoff": false},
		},
		{
			name:  "stop timeout",
			event: suture.EventStopTimeout{SupervisorName: "app", ServiceName: "db"},
			want: map[string]any{
				"level": "error", "supervisor": "app", "service": "db",
				"message": "service did not stop within the stop timeout; abandoned",
			},
		},
		{
			name:  "unknown type",
			event: futureEvent{},
			want:  map[string]any{"level": "warn", "supervisor_name": "app", "message": "app: something new"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			EventHook(zerolog.New(&buf))(tc.event)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("have %d lines, want 1: %q", len(lines), buf.String())
			}
			line := map[string]any{}
			if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
				t.Fatalf("decoding %q: %v", lines[0], err)
			}
			checkFields(t, line, tc.want)
		})
	}
}

func TestEventHookLogsNothingOnZeroLogger(t *testing.T) {
	// Must neither panic nor write anywhere; a zero Logger has no writer.
	EventHook(zerolog.Logger{})(suture.EventBackoff{SupervisorName: "app"})
}

// panicker panics on its first Serve; suture then restarts it.
type panicker struct {
	runs      int
	restarted chan struct{}
}

func (p *panicker) Serve(ctx context.Context) error {
	p.runs++ // suture runs one Serve at a time per service
	if p.runs == 1 {
		panic("kaboom")
	}
	close(p.restarted)
	<-ctx.Done()
	return ctx.Err()
}

func (p *panicker) String() string { return "panicker" }

func TestEventHookLogsPanicWithStack(t *testing.T) {
	sink := seamtest.NewLogs(t)
	root := New("app", Config{Logger: sink.Logger()})
	p := &panicker{restarted: make(chan struct{})}
	root.Add(p)
	seamtest.Start(t, root)

	seamtest.Recv(t, p.restarted, "the restart after the panic")
	line := logLine(t, sink, "service panicked")
	checkFields(t, line, map[string]any{
		"level": "error", "supervisor": "app", "service": "panicker", "panic": "kaboom", "restarting": true,
	})
	if stack, _ := line["stack"].(string); !strings.Contains(stack, "(*panicker).Serve") {
		t.Errorf("stack does not show the panicking function:\n%s", stack)
	}
}

func TestEventChildFailed(t *testing.T) {
	e := EventChildFailed{GroupName: "app", ServiceName: "db", Strategy: RestForOne,
		Restarts: []string{"db", "api"}, CurrentFailures: 2, FailureThreshold: 5, Restarting: true, Err: errors.New("refused")}
	if e.Type() != suture.EventTypeServiceTerminate {
		t.Errorf("Type = %v", e.Type())
	}
	if have, want := e.String(), `app: child "db" failed (2 of 5 failures), rest-for-one restarts [db api], error: refused`; have != want {
		t.Errorf("String = %q, want %q", have, want)
	}
	if m := e.Map(); m["strategy"] != "rest-for-one" || m["error"] != "refused" || m["service_name"] != "db" {
		t.Errorf("Map = %v", m)
	}
	p := EventChildFailed{GroupName: "app", ServiceName: "db", PanicMsg: "nil map", Stacktrace: "goroutine 1"}
	if p.Type() != suture.EventTypeServicePanic || p.Map()["panic"] != "nil map" || !strings.Contains(p.String(), "panic: nil map") {
		t.Errorf("panic event: %v %v %q", p.Type(), p.Map(), p.String())
	}
}
