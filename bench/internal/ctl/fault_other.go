//go:build !linux

package ctl

import "errors"

// BreakListener is only implemented on Linux, where /proc shows which
// descriptor holds a socket.
func BreakListener(addr string) error {
	return errors.New("ctl: injecting an accept fault needs Linux")
}
