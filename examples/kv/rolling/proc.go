package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// waitLimit bounds every wait for something a process should do soon: a
// log line, a probe answering, an exit. It is generous, for a loaded
// machine; nothing here waits for a fixed time.
const waitLimit = 30 * time.Second

// proc is a child process whose stderr is read line by line: kept in
// full, copied to a log file, and offered to waiters, so that the program
// synchronises on what the process says ("listening", "Server kv/a is
// UP") rather than on sleeps.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and its stderr is read
	err  error         // cmd.Wait's, valid once done is closed

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced at each new line, and at exit
}

// startProc starts cmd, copying its stderr to logPath (appended) and into
// the returned proc. started, if not nil, is told of the process at once,
// so that a test can kill it on cleanup whatever happens next.
func startProc(name string, cmd *exec.Cmd, logPath string, started func(*os.Process)) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if cmd.Stdout == nil {
		cmd.Stdout = logf
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if started != nil {
		started(cmd.Process)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			p.mu.Lock()
			p.lines = append(p.lines, line)
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		logf.Close()
		p.mu.Lock()
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// mark returns the number of lines read so far: a waiter given it sees
// only the lines that come after.
func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}

// waitLine waits for a line at index from or later that contains every
// one of parts, and returns it. It fails if the process exits first, or
// after waitLimit.
func (p *proc) waitLine(ctx context.Context, from int, parts ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	for i := from; ; {
		p.mu.Lock()
		lines, changed := p.lines, p.changed
		p.mu.Unlock()
		for ; i < len(lines); i++ {
			if containsAll(lines[i], parts) {
				return lines[i], nil
			}
		}
		select {
		case <-changed:
		case <-p.done:
			// Lines read before the exit are all in p.lines now.
			if p.mark() > i {
				continue
			}
			return "", fmt.Errorf("%s exited (%v) before logging %q; its log:\n%s", p.name, p.err, parts, p.tail(20))
		case <-ctx.Done():
			return "", fmt.Errorf("%s did not log %q within %v: %w; its log:\n%s", p.name, parts, waitLimit, ctx.Err(), p.tail(20))
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(s, part) {
			return false
		}
	}
	return true
}

// tail returns the first line and the last n, for error messages: a
// program that refuses its flags says why first, then prints its usage.
func (p *proc) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	lines := p.lines
	if len(lines) > n+1 {
		lines = append([]string{lines[0], "..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// wait waits for the process to exit, at most waitLimit, and returns
// cmd.Wait's error.
func (p *proc) wait(ctx context.Context) error {
	t := time.NewTimer(waitLimit)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err
	case <-t.C:
		return fmt.Errorf("%s did not exit within %v", p.name, waitLimit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *proc) terminate(ctx context.Context) error {
	if err := p.signal(syscall.SIGTERM); err != nil {
		return err
	}
	return p.waitExit(ctx)
}

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	return nil
}

// waitExit waits for a clean exit after a SIGTERM.
func (p *proc) waitExit(ctx context.Context) error {
	if err := p.wait(ctx); err != nil {
		return fmt.Errorf("%s after SIGTERM: %w; its log:\n%s", p.name, err, p.tail(20))
	}
	return nil
}

// kill ends the process at once if it is still running and waits for it:
// the cleanup of a run that failed half way.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}
