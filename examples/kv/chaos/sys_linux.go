package main

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithParent kills the server if the harness dies, so that nothing is
// left holding a port or gigabytes. The server gets a process group of
// its own, which the successor of an upgrade joins, so that killGroup
// reaches that successor too: it is kv's child, not the harness's.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killGroup kills the server's process group: the server and any
// successor it started.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// freeBytes is the space left to an unprivileged writer on dir's file
// system.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// listenOverflows is the kernel's count of connections it dropped, for
// the whole machine, because a listening socket's accept queue was full
// (TcpExt ListenOverflows): the client's handshake is not answered, and
// it tries again only after its retransmission timeout, a second at
// first. It reports false when the count cannot be read.
func listenOverflows() (int64, bool) {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return 0, false
	}
	return netstatField(b, "TcpExt", "ListenOverflows")
}
