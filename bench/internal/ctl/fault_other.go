//go:build !linux

package ctl

import "errors"

// ErrNoSocket is returned by [BreakListener] when no listening socket of
// this process is bound to the address.
var ErrNoSocket = errors.New("ctl: no listening socket at that address")

// BreakListener is only implemented on Linux, where /proc shows which
// descriptor holds a socket.
func BreakListener(addr string) error {
	return errors.New("ctl: injecting an accept fault needs Linux")
}
