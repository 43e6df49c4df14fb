// Package ctl is the control channel between the benchmark harness and a
// server under test that the harness runs as a child process.
//
// The harness must see inside the server for some figures: the instant
// Serve returns, the instant the last handler returned, the live heap. A
// server binary built for the benchmarks (bench/cmd/seamkv,
// bench/cmd/barekv, bench/redconkv, bench/cmd/floor, bench/cmd/seamfloor)
// therefore reads one-word commands on its stdin and answers each with one
// line on its stdout, while its logs go to stderr:
//
//	(on start)  ready 127.0.0.1:6390
//	mem         mem heap=123456 stacks=8192 goroutines=12 allocs_objects=900 allocs_bytes=65536
//	conns       conns goroutines=12 accepted=10   (no GC; accepted where known)
//	fault       restarted ns=412345
//	profile F   profiling             (a CPU profile to file F until stop)
//	heapprofile F  written            (the live heap to file F)
//	stop        stopped serve_ns=1234567 drain_ns=12345 handlers=10000
//
// stop is the last command: the server exits after answering it. An end of
// stdin stops the server too, so that a harness that dies leaves nothing
// running. A line that starts with "error " reports a command that failed.
//
// [Tracker] wraps a connection handler to time it, [Serve] runs the
// protocol, and [BreakListener] injects an accept fault into a listening
// socket from inside the process.
package ctl
