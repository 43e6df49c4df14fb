package main

import (
	"runtime/debug"
)

// loadGCPercent is the garbage collector's target while the append-only
// file loads. Nearly everything a replay allocates is kept (the keyspace
// it builds), so at the default 100 most of the collector's work during a
// load finds nothing to free; at 400 it runs a quarter as often, which
// took a fifth off the CPU a replay costs (bench: aofrestart). The heap
// does not reach five times the keyspace: only the little a replay throws
// away (its reader's garbage, values overwritten) waits for a cycle.
const loadGCPercent = 400

// loadGC raises the garbage collector's target for the load, unless GOGC
// already sets it higher or off.
func (a *app) loadGC() {
	prev := debug.SetGCPercent(loadGCPercent)
	if prev < 0 || prev >= loadGCPercent {
		debug.SetGCPercent(prev)
		prev = 0
	}
	a.gcPercent = prev
}

// restoreGC puts back the target loadGC replaced, once the file is loaded.
func (a *app) restoreGC() {
	if a.gcPercent > 0 {
		debug.SetGCPercent(a.gcPercent)
		a.gcPercent = 0
	}
}

// replay applies one record of the append-only file.
func (a *app) replay(args [][]byte) error {
	if a.cfg.beforeRecord != nil {
		a.cfg.beforeRecord()
	}
	return a.handler.Replay(args)
}
