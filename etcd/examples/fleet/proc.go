package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// waitLimit bounds every wait for something that should happen soon; it
// is generous, for a loaded machine.
const waitLimit = 30 * time.Second

// proc is one process of the fleet, which can be killed, stopped and
// started again with the same arguments, its output appended to a log.
type proc struct {
	name string
	bin  string
	args []string
	log  string
	// files are passed to the process as fds 3 and on.
	files []*os.File
	cmd   *exec.Cmd
	done  chan struct{}
}

func newProc(dir, name, bin string, args ...string) *proc {
	return &proc{name: name, bin: bin, args: args, log: filepath.Join(dir, name+".log")}
}

func (p *proc) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.ExtraFiles = p.files
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return nil
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig and waits for the exit.
func (p *proc) signal(sig syscall.Signal) error {
	if !p.running() {
		return nil
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(waitLimit):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %v of %v", p.name, waitLimit, sig)
	}
}

// exitCode is the process's exit status once it has exited.
func (p *proc) exitCode() int { return p.cmd.ProcessState.ExitCode() }

// until polls cond every 10ms until it holds, for at most waitLimit.
func until(ctx context.Context, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// ready reports whether an admin port answers /readyz with 200.
func ready(admin string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + admin + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// dialable reports whether addr accepts a TCP connection.
func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
