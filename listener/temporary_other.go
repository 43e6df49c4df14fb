//go:build !unix

package listener

func isTemporaryErrno(error) bool { return false }
