//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package aof

// lockPath locks the file at path for one Writer: not at all here, where
// there is no flock.
var lockPath = noLock
