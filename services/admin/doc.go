// Package admin serves what an operator needs of a running seam program,
// on a port of its own: liveness and readiness probes, Prometheus metrics,
// the live supervision tree, and pprof when asked for.
//
// A [Server] reads everything from the [supervisor.Health] that
// [supervisor.Run] keeps up to date; put the Server first in the root
// Group, so that it starts before the listeners and stops after them and
// answers probes for the whole stop:
//
//	health := &supervisor.Health{}
//	tree := &supervisor.Group{Name: "app", Services: []suture.Service{
//		&admin.Server{Addr: "127.0.0.1:9121", Health: health},
//		ln,
//	}}
//	supervisor.Run(ctx, tree, supervisor.RunConfig{Health: health, LameDuck: 2 * time.Second})
//
// # Endpoints
//
//	/healthz          200 while the tree serves or can come back on its own;
//	                  503 while a supervisor or group is paused in its
//	                  failure backoff, and once Run has returned
//	/readyz           200 from the tree's readiness to the first stop
//	                  signal; 503 before and after, all through the lame
//	                  duck, before any listener closes its socket
//	/metrics          Prometheus text format (see below)
//	/debug/tree       the live tree as an HTML page
//	/debug/tree.json  the same as JSON
//	/debug/pprof/     net/http/pprof, only with Pprof set
//
// # Metrics
//
// Per listener of the tree (label listener), one series per field of
// listener.Stats, named for the field's words and helped by the field's
// own description (listener.Stats.Fields): a counter
// seam_listener_<field>_total (seam_listener_accepted_total,
// seam_listener_rejected_per_ip_total...), or a gauge for a level
// (seam_listener_active_connections, seam_listener_max_conns); a field
// added to Stats is served without a change here. Per service (labels
// supervisor, service): seam_service_failures_total and
// seam_service_restarts_total. Per supervisor or group (label
// supervisor): seam_supervisor_backoffs_total and
// seam_supervisor_in_backoff. Every service and supervisor of the live
// tree has its series from the start, at 0 until its first failure.
// seam_ready and seam_live are the probes as gauges. The Go runtime's
// go_* and the process's process_* series come with them.
package admin
