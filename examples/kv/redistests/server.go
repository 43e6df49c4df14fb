package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/seamgo/seam/internal/loopback"
)

// server is how to start one of the two servers compared.
type server struct {
	name string
	args func(dir, port string) []string
	bin  string
}

func kvServer(bin string) server {
	return server{name: "kv", bin: bin, args: func(dir, port string) []string {
		return []string{"-addr", "127.0.0.1:" + port, "-aof", filepath.Join(dir, "kv.aof"),
			"-fsync", "everysec", "-logformat", "json", "-loglevel", "warn"}
	}}
}

func redisServer(bin string) server {
	return server{name: "redis", bin: bin, args: func(dir, port string) []string {
		return []string{"--port", port, "--bind", "127.0.0.1", "--dir", dir,
			"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log")}
	}}
}

// start runs the server on a port the kernel picked and returns once it
// accepts connections. The port is found by binding port 0 and closing it:
// neither server reports the port it bound in a form both share.
func (s server) start(ctx context.Context, dir string) (port string, stop func(), err error) {
	port, err = freePort()
	if err != nil {
		return "", nil, err
	}
	log, err := os.Create(filepath.Join(dir, s.name+".stderr"))
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(s.bin, s.args(dir, port)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return "", nil, err
	}
	// exited is closed when the process has ended, so that both the wait
	// for the port and the stop can watch it.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
	}
	if err := waitListening(ctx, "127.0.0.1:"+port, exited); err != nil {
		stop()
		if waitErr != nil {
			err = fmt.Errorf("%w (%v)", err, waitErr)
		}
		return "", nil, fmt.Errorf("%s did not start (see %s): %w", s.name, log.Name(), err)
	}
	return port, stop, nil
}

// freePort returns a loopback port free a moment ago, for the servers
// that take a port number.
func freePort() (string, error) {
	addr, err := loopback.FreeAddr()
	if err != nil {
		return "", err
	}
	_, port, err := net.SplitHostPort(addr)
	return port, err
}

// waitListening dials addr until it answers or the process exits; a
// harness may poll where a test may not.
func waitListening(ctx context.Context, addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-exited:
			return errors.New("the process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}
