package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// kvBin is the kv command, built once for all the tests of the harness.
var kvBin = seamtest.NewProgram("github.com/seamgo/seam/examples/kv")

func TestMain(m *testing.M) { seamtest.MainBuilt(m, kvBin) }

// kv is the target of the tests, the kv command built on first use.
func kv(t *testing.T) target {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs kv as a process")
	}
	return target{name: "kv", bin: kvBin.Path(t)}
}

// The CI subset: each case the harness marks short, against kv, with the
// harness's reduced sizes. A case that needs a missing tool skips. The
// cases run side by side, each on its own server and directory: the
// harness runs them one at a time for its figures of memory and time,
// which the tests do not compare.
func TestShortCases(t *testing.T) {
	t.Parallel()
	tg := kv(t)
	for _, c := range cases {
		if !c.short {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r := c.run(ctx, env{work: t.TempDir(), short: true}, tg, t.TempDir())
			switch {
			case r.skip != "":
				t.Skip(r.skip)
			case !r.ok:
				t.Fatalf("kv: %s", r.fig)
			}
			t.Log(r.fig)
		})
	}
}

// The table has a header, one row per case, and a verdict in each row.
func TestTable(t *testing.T) {
	t.Parallel()
	tg := kv(t)
	var out bytes.Buffer
	one := []chaosCase{cases[0]}
	if failed := run(&out, env{work: t.TempDir(), short: true}, one, []target{tg}); failed != 0 {
		t.Fatalf("failed %d:\n%s", failed, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "| "+one[0].name+" | ") || !strings.HasSuffix(lines[2], "| not run | ok |") {
		t.Fatalf("table:\n%s", out.String())
	}
}
