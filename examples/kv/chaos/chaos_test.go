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

func TestMain(m *testing.M) {
	if floodWorker() { // the flood case runs this binary as its workers
		return
	}
	seamtest.MainBuilt(m, kvBin)
}

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
// cases run one at a time, as the harness runs them: some verdicts have a
// bound in time (a client unanswered for 8 s is hung) that cases run side
// by side would eat into.
func TestShortCases(t *testing.T) {
	t.Parallel()
	tg := kv(t)
	for _, c := range cases {
		if !c.short {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
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

// The table has a header, one row per case with each target's figure (a
// skip's reason, "not run" for a target left out) and kv's verdict, and
// run counts the cases kv failed. The cases here are stand-ins: the real
// ones run against kv in TestShortCases.
func TestTable(t *testing.T) {
	t.Parallel()
	stub := func(r result) func(context.Context, env, target, string) result {
		return func(context.Context, env, target, string) result { return r }
	}
	cs := []chaosCase{
		{name: "passes", run: stub(result{fig: "1 | 2\nthree", ok: true})},
		{name: "fails", run: stub(result{fig: "lost 3"})},
		{name: "skips", run: stub(result{skip: "no tool"})},
	}
	var out bytes.Buffer
	if failed := run(&out, env{work: t.TempDir(), short: true}, cs, []target{{name: "kv"}}); failed != 1 {
		t.Errorf("run counted %d failed cases, want 1", failed)
	}
	want := "| case | kv | redis-server | verdict |\n" +
		"|---|---|---|---|\n" +
		"| passes | 1 \\| 2 three | not run | ok |\n" +
		"| fails | lost 3 | not run | FAIL |\n" +
		"| skips | skipped: no tool | not run | skipped |\n"
	if out.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	run(&out, env{work: t.TempDir()}, cs[:1], []target{{name: "kv"}, {name: "redis-server"}})
	if row := strings.Split(out.String(), "\n")[2]; row != "| passes | 1 \\| 2 three | 1 \\| 2 three | ok |" {
		t.Fatalf("row with both targets: %s", row)
	}
}
