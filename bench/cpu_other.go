//go:build !linux

package main

func cpuSeconds(pid int) (float64, error) { return 0, errLinuxOnly }
