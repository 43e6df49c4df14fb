//go:build !unix

package handoff

// supported is false where a process does not inherit sockets as numbered
// descriptors (Windows passes handles, and only by explicit duplication):
// Systemd and New then return ErrUnsupported.
var supported = false

// closeOnExec is not reached here: Systemd returns ErrUnsupported before
// it reads any descriptor.
func closeOnExec(int) {}
