package main

import (
	"os/exec"
	"runtime"
	"strconv"
)

// pinning is where the servers and the load generator run. On a small
// machine a server and redis-benchmark that the scheduler moves between
// the same cores measure the scheduler as much as the server: pinning them
// apart cut the spread of repeated runs from tens of percent to a few.
type pinning struct {
	server, load string // CPU lists for taskset -c; empty: not pinned
}

// choosePinning gives the servers the first half of the CPUs and the load
// generator the rest, when asked, when there are at least two CPUs, and
// when taskset (util-linux) is installed.
func choosePinning(on bool) pinning {
	n := runtime.NumCPU()
	if !on || n < 2 {
		return pinning{}
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return pinning{}
	}
	half := n / 2
	return pinning{server: cpuRange(0, half-1), load: cpuRange(half, n-1)}
}

func cpuRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
}

// pinned runs bin through taskset on cpus, or as it is when cpus is empty.
// taskset execs bin in its own process, so the pid (and /proc/PID) is the
// server's.
func pinned(cpus, bin string, args []string) (string, []string) {
	if cpus == "" {
		return bin, args
	}
	return "taskset", append([]string{"-c", cpus, bin}, args...)
}
