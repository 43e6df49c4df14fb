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
//	POST /listeners/{name}/suspend  stops a listener accepting, its
//	                                socket bound (see below)
//	POST /listeners/{name}/resume   lets it accept again
//
// # Suspending a listener
//
// POST /listeners/{name}/suspend calls listener.Server.Suspend on the
// listener of the live tree called name, and /resume calls Resume: new
// clients wait in the kernel's backlog meanwhile and open connections
// are served. The answer is 200 with one line saying what happened
// ("kv: suspended", or "kv: suspended already": both are idempotent);
// 404 when no listener has the name, 409 when several have, 405 for any
// method but POST. A listener answers to its name (its String), or to
// that name less a leading "listener ", so that kv's "listener kv" is
// found by
//
//	curl -X POST 127.0.0.1:9121/listeners/kv/suspend
//
// A suspended listener shows in /debug/tree and as
// seam_listener_suspended 1 in /metrics. Both endpoints change state, so
// Access below gates them: the bearer token with Token set, loopback
// clients only without it.
//
// # Access
//
// /healthz, /readyz and /metrics answer anyone: probes and scrapers carry
// no credentials. With [Server.Token] set, every other endpoint, and any
// added later, wants "Authorization: Bearer <token>": 401 with a
// WWW-Authenticate challenge without it, 403 with a wrong one; the token
// is compared as a SHA-256 sum in constant time. Without a token, any
// method but GET and HEAD (the endpoints that change state) and
// /debug/pprof/ answer only loopback clients (net/netip's IsLoopback:
// 127.0.0.0/8 and ::1), and 403 to others; the rest stays readable. The
// client is the connection's peer: an admin port behind a proxy sees the
// proxy, so give it a token. Refusals are counted in
// seam_admin_refused_total{reason} (no_token, wrong_token, not_loopback)
// and logged at most once a second, never with the header.
//
// The token keeps who may use the port apart; it does not hide what
// travels on it. Over a network that others can read, put the admin port
// behind TLS (a proxy) or keep it on loopback, the default.
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
// seam_admin_refused_total counts the requests refused (see Access).
// seam_ready and seam_live are the probes as gauges. The Go runtime's
// go_* and the process's process_* series come with them.
package admin
