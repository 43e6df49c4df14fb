//go:build !linux

package main

import (
	"errors"
	"fmt"
	"os/exec"
)

// errLinuxOnly is what the harness's readings of the system return here:
// resident memory comes from /proc, and the workloads that hold thousands
// of sockets need Linux's file limits. It wraps errors.ErrUnsupported, as
// Go's own packages say that a platform lacks something.
var errLinuxOnly = fmt.Errorf("bench: this needs Linux: %w", errors.ErrUnsupported)

func raiseFileLimit(need uint64) error   { return errLinuxOnly }
func hardFileLimit() (uint64, error)     { return 0, errLinuxOnly }
func rssKiB(pid int) (float64, error)    { return 0, errLinuxOnly }
func parseKiB(s string) (float64, error) { return 0, errLinuxOnly }
func dieWithParent(cmd *exec.Cmd)        {}
func kernel() string                     { return "unknown" }
