//go:build !linux

package ctl

import (
	"errors"
	"fmt"
)

// BreakListener is only implemented on Linux, where /proc shows which
// descriptor holds a socket; here it returns an error wrapping
// errors.ErrUnsupported.
func BreakListener(addr string) error {
	return fmt.Errorf("ctl: injecting an accept fault needs Linux: %w", errors.ErrUnsupported)
}
