package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/internal/loopback"
)

// target is one server the cases run against.
type target struct {
	name string // "kv" or "redis-server"
	bin  string
}

func (t target) isKV() bool { return t.name == "kv" }

// opts is what a case asks of the server it starts; the zero value is the
// server's defaults without persistence.
type opts struct {
	dir      string // data directory: the append-only file lives here
	aof      bool
	fsync    string // always, everysec, no (with aof)
	maxConns int    // 0: the server's default
	timeout  int    // idle seconds; 0: never
	nofile   int    // the open-file limit, set by prlimit; 0: inherited
	// noAutoRewrite turns the automatic AOF rewrite off, for a case that
	// measures a write's own cost rather than a rewrite it sets off.
	noAutoRewrite bool
	// upgradePIDFile runs kv with -upgrade (handover.go).
	upgradePIDFile string
	// addr is where to listen; empty: a free port. A case that starts a
	// server again where its clients are sets it.
	addr string
}

// args are the command line that gives t the options o, listening on addr.
func (t target) args(addr string, o opts) []string {
	host, port, _ := net.SplitHostPort(addr)
	if t.isKV() {
		a := []string{"-addr", addr, "-logformat", "json"}
		if o.aof {
			a = append(a, "-aof", filepath.Join(o.dir, "kv.aof"), "-fsync", o.fsync)
			if o.noAutoRewrite {
				a = append(a, "-auto-aof-rewrite-percentage", "0")
			}
		} else {
			a = append(a, "-aof", "")
		}
		if o.maxConns > 0 {
			a = append(a, "-maxconns", strconv.Itoa(o.maxConns))
		}
		if o.timeout > 0 {
			a = append(a, "-timeout", strconv.Itoa(o.timeout))
		}
		if o.upgradePIDFile != "" {
			a = append(a, "-upgrade", o.upgradePIDFile)
		}
		return a
	}
	a := []string{"--bind", host, "--port", port, "--save", "", "--daemonize", "no", "--dir", o.dir, "--appendonly", "no"}
	if o.aof {
		a = append(a, "--appendonly", "yes", "--appendfsync", o.fsync)
		if o.noAutoRewrite {
			a = append(a, "--auto-aof-rewrite-percentage", "0")
		}
	}
	if o.maxConns > 0 {
		a = append(a, "--maxclients", strconv.Itoa(o.maxConns))
	}
	if o.timeout > 0 {
		a = append(a, "--timeout", strconv.Itoa(o.timeout))
	}
	return a
}

// aofFile is the file a damaged-file case cuts or corrupts: kv's one file,
// or redis-server 7's incremental file, where its writes go.
func (t target) aofFile(dir string) (string, error) {
	if t.isKV() {
		return filepath.Join(dir, "kv.aof"), nil
	}
	m, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	if err != nil || len(m) != 1 {
		return "", fmt.Errorf("no single incremental AOF in %s: %v %v", dir, m, err)
	}
	return m[0], nil
}

// server is one running server process.
type server struct {
	addr   string
	log    string // its stdout and stderr
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's, once exited is closed
}

// errExited is returned by start when the server exits instead of
// answering.
var errExited = errors.New("chaos: the server exited before it answered")

// start runs t with o, its output appended to logPath, and returns once it
// answers PING; errExited (wrapped) if it exits first.
func start(ctx context.Context, t target, o opts, logPath string) (*server, error) {
	addr := o.addr
	if addr == "" {
		var err error
		if addr, err = loopback.FreeAddr(); err != nil {
			return nil, err
		}
	}
	bin, args := t.bin, t.args(addr, o)
	if o.nofile > 0 {
		p, err := exec.LookPath("prlimit")
		if err != nil {
			return nil, err
		}
		n := strconv.Itoa(o.nofile)
		bin, args = p, append([]string{"--nofile=" + n + ":" + n, "--", t.bin}, args...)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{addr: addr, log: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	if err := s.ready(ctx); err != nil {
		s.kill()
		return s, err
	}
	return s, nil
}

// ready waits until the server answers PING, exits, or ctx ends.
func (s *server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if c, err := respclient.Dial(s.addr); err == nil {
			c.Conn().SetDeadline(time.Now().Add(time.Second))
			v, err := c.Do("PING")
			c.Close()
			if err == nil && v.Str == "PONG" {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%w: %v; log %s", errExited, s.err, s.log)
		case <-ctx.Done():
			return fmt.Errorf("chaos: %s not answering PING: %w", s.addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// alive reports whether the process still runs.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to wait for the exit, then kills it; it
// returns the exit code (-1 for a kill).
func (s *server) signal(sig syscall.Signal, wait time.Duration) int {
	if s.alive() {
		s.cmd.Process.Signal(sig)
	}
	select {
	case <-s.exited:
	case <-time.After(wait):
		s.kill()
	}
	return s.cmd.ProcessState.ExitCode()
}

// kill ends the process at once and waits for it.
func (s *server) kill() {
	if s.alive() {
		s.cmd.Process.Kill()
	}
	<-s.exited
	killGroup(s.cmd.Process.Pid) // a successor it started, if any
}

// mem returns a field of /proc/PID/status in bytes: VmRSS (resident now)
// or VmHWM (the resident peak).
func (s *server) mem(field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// logText returns the server's output so far.
func (s *server) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// mb renders a byte count for the table.
func mb(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MB", (n+(1<<19))>>20)
}
