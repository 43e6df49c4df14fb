// Package seamtest is for the tests of seam servers, as net/http/httptest
// is for those of HTTP handlers: it starts a service (a listener.Server, a
// services.HTTP, a supervisor.Group) on loopback and waits until it is
// ready, dials it, checks that a connection to an [Echo] server is still
// served ([WantEcho]), collects its logs as parsed zerolog events, makes a
// throwaway TLS certificate, finds a free port for a program that takes
// its ports up front ([FreeAddr]), stands in for a sleep seam ([Pauses]),
// and waits for what a test expects with a deadline rather than a sleep. Everything it starts is stopped, with a
// bounded wait, when the test ends, and [Main] checks that no goroutine
// outlives the tests.
//
// It depends on suture, zerolog and goleak only, not on seam's other
// packages, so that their own tests can use it too.
//
// # Waiting
//
// Every wait is bounded by [Wait], long enough for a loaded CI machine
// under the race detector. A test waits for an event (a channel, a
// readiness signal, a counter it observes), never for a fixed time, and
// never checks that something did not happen within a window. Log text is
// for people: wait for a log line ([Logs.WaitFor]) only where the line is
// the behaviour under test, so that rewording a line breaks no other test.
package seamtest
