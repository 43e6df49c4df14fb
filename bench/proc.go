package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/resp"
)

// The binaries the harness builds, by the name of their build target.
const (
	binKV = "kv" // ./examples/kv: seam's kv example itself
	// binKVBefore is the kv example built from the commit of -before.
	binKVBefore = "kv-before"
	binSeamKV   = "seamkv"   // ./bench/cmd/seamkv: the same wiring with a control channel
	binBareKV   = "barekv"   // ./bench/cmd/barekv: the baseline
	binRedcon   = "redconkv" // ./bench/redconkv: the redcon peer, a module of its own

	binFloor     = "floor"     // ./bench/cmd/floor: the least a goroutine per connection holds
	binSeamFloor = "seamfloor" // ./bench/cmd/seamfloor: the same, served by seam
)

// findRoot returns the root of the seam module, from the working directory
// up, so that `go run ./bench` works from the repository's root and
// `go test` from bench/.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.HasPrefix(string(b), "module github.com/seamgo/seam\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("bench: not inside the seam repository (no go.mod of github.com/seamgo/seam above the working directory)")
		}
		dir = parent
	}
}

// build compiles the servers into dir with the go command, as a user
// would, and returns their paths by name. The redcon peer is built inside
// its own module so that its dependencies never reach seam's go.mod; the
// kv example of -before from that commit's tree, exported into dir.
func build(ctx context.Context, root, dir string, names []string, before string) (map[string]string, error) {
	pkgs := map[string][2]string{ // name: {directory to build in, package}
		binKV:        {root, "./examples/kv"},
		binSeamKV:    {root, "./bench/cmd/seamkv"},
		binBareKV:    {root, "./bench/cmd/barekv"},
		binRedcon:    {filepath.Join(root, "bench", "redconkv"), "."},
		binFloor:     {root, "./bench/cmd/floor"},
		binSeamFloor: {root, "./bench/cmd/seamfloor"},
		binKVBefore:  {filepath.Join(dir, "before"), "./examples/kv"},
	}
	out := make(map[string]string)
	for _, name := range names {
		p, ok := pkgs[name]
		if !ok {
			return nil, fmt.Errorf("bench: no build target %q", name)
		}
		if name == binKVBefore {
			if err := exportCommit(ctx, root, before, p[0]); err != nil {
				return nil, err
			}
		}
		bin := filepath.Join(dir, name)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, p[1])
		cmd.Dir = p[0]
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", p[1], err, b)
		}
		out[name] = bin
	}
	return out, nil
}

// exportCommit writes the tree of commit rev of the repository at root
// into dir, with git archive: a plain copy, no second work tree to clean
// up.
func exportCommit(ctx context.Context, root, rev, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", rev)
	archive.Dir = root
	tar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	tar.Stdin = pipe
	var archiveErr, tarErr strings.Builder
	archive.Stderr, tar.Stderr = &archiveErr, &tarErr
	if err := tar.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		tar.Wait()
		return fmt.Errorf("git archive %s: %w: %s", rev, err, archiveErr.String())
	}
	if err := tar.Wait(); err != nil {
		return fmt.Errorf("untar %s: %w: %s", rev, err, tarErr.String())
	}
	return nil
}

// process is a server under test running as a child process.
type process struct {
	sys  system
	cmd  *exec.Cmd
	addr string
	log  string // its stderr, kept for when something goes wrong

	// The control channel, for the binaries that speak it (package ctl).
	in     io.WriteCloser
	out    *bufio.Scanner
	stdout *os.File // closed once the process has exited

	exited chan struct{}
	err    error // Wait's, once exited is closed
}

// startServer starts bin with args, its logs going to logPath. With ctl
// set, the server speaks the control protocol and announces its address;
// otherwise it must listen on addr and is ready when it answers a PING.
func startServer(ctx context.Context, sys system, bin string, args []string, logPath, addr string, useCtl bool) (*process, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	if !useCtl {
		cmd.Stdout = logf
	}
	dieWithParent(cmd)
	s := &process{sys: sys, cmd: cmd, addr: addr, log: logPath, exited: make(chan struct{})}
	var stdoutW *os.File
	if useCtl {
		if s.in, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		// A pipe of our own rather than StdoutPipe, which Wait closes as
		// soon as the process exits, possibly before its last line (the
		// stop report) has been read.
		var stdoutR *os.File
		if stdoutR, stdoutW, err = os.Pipe(); err != nil {
			return nil, err
		}
		s.stdout = stdoutR
		cmd.Stdout = stdoutW
		s.out = bufio.NewScanner(stdoutR)
	}
	err = cmd.Start()
	if stdoutW != nil {
		stdoutW.Close()
	}
	if err != nil {
		if s.stdout != nil {
			s.stdout.Close()
		}
		return nil, fmt.Errorf("starting %s: %w", sys, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if useCtl {
		// The ready line, or nothing if the server dies first; a stuck
		// server is killed when ctx ends, which ends the read.
		stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
		line, err := s.readLine()
		stop()
		if err != nil {
			s.kill()
			return nil, fmt.Errorf("%s did not start: %w (log: %s)", sys, err, s.tail())
		}
		a, ok := strings.CutPrefix(line, "ready ")
		if !ok {
			s.kill()
			return nil, fmt.Errorf("%s: first line %q, want ready ADDR", sys, line)
		}
		s.addr = a
		return s, nil
	}
	if err := ctl.Probe(ctx, addr); err != nil {
		s.kill()
		return nil, fmt.Errorf("%s did not answer on %s: %w (log: %s)", sys, addr, err, s.tail())
	}
	return s, nil
}

func (s *process) pid() int { return s.cmd.Process.Pid }

func (s *process) readLine() (string, error) {
	if !s.out.Scan() {
		if err := s.out.Err(); err != nil {
			return "", err
		}
		return "", io.ErrUnexpectedEOF
	}
	return s.out.Text(), nil
}

// call sends one control command and returns the reply's fields.
func (s *process) call(ctx context.Context, cmd string) (map[string]string, error) {
	if s.in == nil {
		return nil, fmt.Errorf("%s has no control channel", s.sys)
	}
	if _, err := io.WriteString(s.in, cmd+"\n"); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { s.cmd.Process.Kill() })
	defer stop()
	line, err := s.readLine()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w (log: %s)", s.sys, cmd, err, s.tail())
	}
	return parseReply(line)
}

// errReply is a control command the server could not carry out.
var errReply = errors.New("server refused the command")

// parseReply splits "word key=value key=value" into its fields.
func parseReply(line string) (map[string]string, error) {
	if rest, ok := strings.CutPrefix(line, "error "); ok {
		return nil, fmt.Errorf("%w: %s", errReply, rest)
	}
	f := strings.Fields(line)
	m := make(map[string]string, len(f))
	for _, kv := range f[min(1, len(f)):] {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m, nil
}

// num reads a numeric field of a reply.
func num(m map[string]string, key string) (float64, error) {
	v, ok := m[key]
	if !ok {
		return 0, fmt.Errorf("no %s in the reply", key)
	}
	return strconv.ParseFloat(v, 64)
}

// stop ends the server: with the control channel it reports how the
// graceful stop went; otherwise SIGTERM, and SIGKILL if it lingers.
func (s *process) stop(ctx context.Context) (map[string]string, error) {
	var rep map[string]string
	var err error
	if s.in != nil {
		rep, err = s.call(ctx, "stop")
		s.in.Close()
	} else {
		s.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-s.exited:
		s.closeStdout()
	case <-time.After(15 * time.Second):
		s.kill()
		return rep, fmt.Errorf("%s did not exit 15s after stop (log: %s)", s.sys, s.tail())
	}
	return rep, err
}

// closeStdout closes the read end of the control channel once the server
// has exited and its last line was read.
func (s *process) closeStdout() {
	if s.stdout != nil {
		s.stdout.Close()
	}
}

// kill ends the server at once and waits for it. It is harmless on a
// server that has exited (os.Process.Kill then sends nothing), so it can be
// deferred ahead of a graceful stop.
func (s *process) kill() {
	s.cmd.Process.Kill()
	<-s.exited
	s.closeStdout()
}

// tail is the end of the server's log, for error messages.
func (s *process) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strings.TrimSpace(string(b))
}

// redisUsedMemory asks redis-server for INFO memory's used_memory: the
// bytes its allocator holds, redis's counterpart of a Go heap.
func redisUsedMemory(ctx context.Context, addr string) (float64, error) {
	return redisInfo(ctx, addr, "memory", "used_memory")
}

// redisInfo asks redis-server for one numeric field of an INFO section,
// on a connection of its own (which INFO clients counts).
func redisInfo(ctx context.Context, addr, section, field string) (float64, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(resp.AppendCommand(nil, []byte("INFO"), []byte(section))); err != nil {
		return 0, err
	}
	rd := bufio.NewReader(c)
	head, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return 0, fmt.Errorf("INFO %s: reply %q: %v", section, head, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		return 0, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(rd, body); err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("INFO %s has no %s", section, field)
}
