package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// haproxyConfig is haproxy in TCP mode in front of the instances, each
// server checked by GET /readyz on its admin port every 100ms: one 503
// takes it out (fall 1), two 200s put it back (rise 2). The frontend
// socket is handed over as fd 3, already bound, since haproxy cannot bind
// a port the kernel picks and reading a free port beforehand is a race.
// No log target is set: haproxy in the foreground still prints each
// server's state change to stderr as a warning, where the program waits
// for "Server kv/a is DOWN" and "... is UP", and no line a connection.
func haproxyConfig(servers []*instance, proxyV2 bool) string {
	var b strings.Builder
	b.WriteString(`global
    maxconn 4096

defaults
    mode tcp
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch

frontend redis
    bind fd@3
    default_backend kv

backend kv
    balance roundrobin
    option httpchk GET /readyz
`)
	for _, in := range servers {
		_, adminPort, _ := net.SplitHostPort(in.admin)
		fmt.Fprintf(&b, "    server %s %s check port %s inter 100 fall 1 rise 2", in.name, in.addr, adminPort)
		if proxyV2 {
			b.WriteString(" send-proxy-v2")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// startHAProxy writes the configuration to dir and runs haproxy in the
// foreground on a loopback port the kernel picks; it returns the process
// and the frontend's address.
func startHAProxy(dir string, servers []*instance, proxyV2 bool, started func(*os.Process)) (*proc, string, error) {
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(haproxyConfig(servers, proxyV2)), 0o644); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return nil, "", err
	}
	// haproxy has its own copy of the socket once started; ours are closed.
	defer f.Close()
	cmd := exec.Command("haproxy", "-db", "-f", cfgPath)
	cmd.ExtraFiles = []*os.File{f}
	p, err := startProc("haproxy", cmd, filepath.Join(dir, "haproxy.log"), started)
	if err != nil {
		return nil, "", err
	}
	return p, ln.Addr().String(), nil
}
