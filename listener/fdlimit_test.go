package listener

import (
	"errors"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// A MaxConns that the open-file limit cannot hold is lowered to what it
// can, with one warning giving both numbers, so that the clients past the
// real cap are answered by the overflow policy instead of Accept failing
// with EMFILE and leaving them in the backlog.
func TestMaxConnsFitsTheOpenFileLimit(t *testing.T) {
	const limit = 4 // its reserve is half of it: room for 2 connections
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), MaxConns: 1000, Reject: busy,
		Logger: logs.Logger(), hooks: hooks{nofile: func() (uint64, error) { return limit, nil }}}
	addr := seamtest.Start(t, s).Addr
	if st := s.Stats(); st.MaxConns != 2 {
		t.Fatalf("Stats().MaxConns = %d; want 2", st.MaxConns)
	}
	warned := logs.Events("does not fit the open-file limit")
	if len(warned) != 1 {
		t.Fatalf("%d warnings; want 1: %v", len(warned), logs.Events(""))
	}
	if w := warned[0]; w["level"] != "warn" || w["max_conns"] != float64(1000) ||
		w["open_file_limit"] != float64(limit) || w["effective_max_conns"] != float64(2) {
		t.Fatalf("warning = %v", w)
	}
	seamtest.WantEcho(t, seamtest.Dial(t, addr), "one")
	seamtest.WantEcho(t, seamtest.Dial(t, addr), "two")
	if line, _ := readLine(t, seamtest.Dial(t, addr)); line != "busy\n" {
		t.Fatalf("past the limit's cap: %q; want the Reject's answer", line)
	}
}

// MaxConns 0 caps at what the open-file limit holds, quietly, and means
// no cap where there is no limit to know.
func TestNoMaxConnsTakesTheFileLimitsCap(t *testing.T) {
	tests := []struct {
		name  string
		limit uint64
		err   error
		want  int
	}{
		{"limit", 1000, nil, 1000 - int(fdReserve(1000))},
		{"no limit", 0, nil, 0},
		{"unknown", 0, errors.New("no getrlimit"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := seamtest.NewLogs(t)
			s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(echo), Logger: logs.Logger(),
				hooks: hooks{nofile: func() (uint64, error) { return tt.limit, tt.err }}}
			seamtest.Start(t, s)
			if have := s.Stats().MaxConns; have != tt.want {
				t.Fatalf("Stats().MaxConns = %d; want %d", have, tt.want)
			}
			if n := len(logs.Events("does not fit")); n != 0 {
				t.Fatalf("%d warnings for a cap left unset", n)
			}
			// "listening" is logged once the socket is bound, before the
			// listener is ready.
			if l := logs.Events("listening"); len(l) != 1 || l[0]["max_conns"] != float64(tt.want) {
				t.Fatalf("the listening line does not give the cap: %v", l)
			}
		})
	}
}

func TestFdReserve(t *testing.T) {
	for limit, want := range map[uint64]uint64{4: 2, 64: 32, 98: 49, 1024: 128, 1 << 20: 64 + 1<<16} {
		if have := fdReserve(limit); have != want {
			t.Errorf("fdReserve(%d) = %d; want %d", limit, have, want)
		}
	}
}
