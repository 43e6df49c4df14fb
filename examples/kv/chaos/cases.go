package main

import (
	"context"
	"fmt"
)

// env is what every case is given.
type env struct {
	work  string // a scratch directory of the whole run
	short bool   // CI's reduced sizes
}

// size is full, or small under -short: a case's count of keys,
// connections or frames.
func (e env) size(full, small int) int {
	if e.short {
		return small
	}
	return full
}

// result is one server's figure in one case.
type result struct {
	fig  string
	ok   bool
	skip string // why the case did not run, if it did not
}

func fail(format string, a ...any) result { return result{fig: fmt.Sprintf(format, a...)} }

// chaosCase is one row of the table.
type chaosCase struct {
	name  string
	short bool // part of the CI subset: under 10 s, small
	run   func(ctx context.Context, e env, t target, dir string) result
}

var cases = []chaosCase{
	{"-maxconns 100, 100 idle clients, one more sends PING", true, maxConns},
	{"open-file limit 64, 200 clients at once", true, fdLimit},
	{"AOF on a full disk (2 MB tmpfs), then space freed", false, fullDisk},
	{"one 100 MB SET: peak RSS", false, bigSet},
	{"one 100 MB SET with the AOF (no auto rewrite): peak RSS", false, bigSetAOF},
	{"one 100 MB SET with the AOF and its automatic rewrite: peak RSS", false, bigSetAOFRewrite},
	{"4 clients × 256 MB SET, then DEL: RSS under 100 MB", false, fourBig},
	{"one MSET of 3 × 200 MB", false, bigMSet},
	{"1,000 protocol errors: log lines at the default level", true, protoErrors},
	{"2,000 idle + 500 half-sent clients, -timeout 1", false, idleClose},
	{"SIGKILL with fsync always: acknowledged writes lost", true, sigkill},
	{"truncated AOF starts; damaged AOF refused with its offset", true, damagedAOF},
	{"upgrade with the AOF, SIGKILL of the old process mid-handover: acknowledged writes lost", true, killOldMidHandover},
	{"upgrade with the AOF, SIGKILL of the new process while it loads: acknowledged writes lost", true, killNewWhileLoading},
	{"random bytes to the port, beside a good client: its rate alone and under the flood", true, fuzz},
	{"SIGTERM under redis-benchmark load", false, sigterm},
}
