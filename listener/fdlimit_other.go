//go:build !unix

package listener

// openFileLimit reports no limit where there is no RLIMIT_NOFILE.
func openFileLimit() (uint64, error) { return 0, nil }
