//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

// errLinuxOnly: resident memory and process hygiene are read from /proc.
var errLinuxOnly = errors.New("bench: this needs Linux")

func raiseFileLimit(need uint64) error   { return errLinuxOnly }
func hardFileLimit() (uint64, error)     { return 0, errLinuxOnly }
func rssKiB(pid int) (float64, error)    { return 0, errLinuxOnly }
func parseKiB(s string) (float64, error) { return 0, errLinuxOnly }
func dieWithParent(cmd *exec.Cmd)        {}
func kernel() string                     { return "unknown" }
