//go:build !unix

package listener

// removeStaleSocket does nothing where unix sockets have no stale-file
// convention to honour.
func removeStaleSocket(string) error { return nil }
