package seamtest

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Program is a main package built by the go command for the tests of one
// package: once, the first time a test asks for its path, however many
// tests run it. A build is a link of a second or more, which a build per
// test would pay again and again for the same binary. Where the go
// command caches the executables it links for go run (Go 1.24 on), the
// binary is that cached one, so a program already linked by an earlier
// run, or by another package's tests, costs no link at all; elsewhere it
// is built into a temporary directory. Declare it as a package variable
// and pass it to [MainBuilt], which removes what it built once the tests
// have run:
//
//	var kvBin = seamtest.NewProgram(".")
//
//	func TestMain(m *testing.M) { seamtest.MainBuilt(m, kvBin) }
//
// A binary run by go run is linked without debugger information (DWARF);
// a test that needs it builds with go build itself.
type Program struct {
	pkg  string
	once sync.Once
	dir  string // the temporary directory of a build of our own
	path string
	err  error
}

// NewProgram returns the program of the main package pkg, a path as the go
// command takes it ("." for the package under test), built on first use.
func NewProgram(pkg string) *Program { return &Program{pkg: pkg} }

// Path returns the built binary, building it on the first call. It skips t
// where there is no go command, and fails it where the build fails; every
// later call reports the same result without building again. It is safe
// for concurrent use by parallel tests.
func (p *Program) Path(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("seamtest: no go command on PATH to build", p.pkg, "with")
	}
	p.once.Do(func() { p.build(gobin) })
	if p.err != nil {
		t.Fatalf("seamtest: building %s: %v", p.pkg, p.err)
	}
	return p.path
}

func (p *Program) build(gobin string) {
	if path, ok := cached(gobin, p.pkg); ok {
		p.path = path
		return
	}
	if p.dir, p.err = os.MkdirTemp("", "seamtest-"); p.err != nil {
		return
	}
	p.path = filepath.Join(p.dir, filepath.Base(filepath.Clean(p.pkg)))
	if p.pkg == "." {
		wd, err := os.Getwd()
		if err != nil {
			p.err = err
			return
		}
		p.path = filepath.Join(p.dir, filepath.Base(wd))
	}
	if runtime.GOOS == "windows" {
		p.path += ".exe"
	}
	out, err := exec.Command(gobin, "build", "-o", p.path, p.pkg).CombinedOutput()
	if err != nil {
		p.err = errors.Join(err, errors.New(string(out)))
	}
}

// cached returns the executable that go run links for pkg and keeps in the
// go command's cache, found by running it under echo. A first go run that
// links may still run it from a temporary directory that it removes, so a
// path outside the cache is asked for again, once. It reports false where
// there is no echo, or the go command does not cache executables: the
// caller then builds pkg itself.
func cached(gobin, pkg string) (string, bool) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		return "", false
	}
	out, err := exec.Command(gobin, "env", "GOCACHE").Output()
	cache := strings.TrimSpace(string(out))
	if err != nil || cache == "" || cache == "off" {
		return "", false
	}
	for range 2 {
		out, err := exec.Command(gobin, "run", "-exec", echo, pkg).Output()
		if err != nil {
			return "", false
		}
		path := strings.TrimSpace(string(out))
		if strings.HasPrefix(path, cache+string(filepath.Separator)) {
			if _, err := os.Stat(path); err == nil {
				return path, true
			}
		}
	}
	return "", false
}

// Remove deletes the binary if it was built into a temporary directory,
// and leaves one in the go command's cache; [MainBuilt] calls it.
func (p *Program) Remove() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// MainBuilt is [Main] for a package whose tests run programs: it runs the
// tests, checks for leaked goroutines, removes the programs' binaries and
// exits with the tests' status.
func MainBuilt(m *testing.M, programs ...*Program) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		for _, p := range programs {
			p.Remove()
		}
		os.Exit(code)
	}))
}

// Process is a program running under a test, its output (stdout and
// stderr, interleaved as written) collected as [Logs]: a JSON line comes
// back from [Logs.Events] and [Logs.WaitFor] as its fields, any other line
// as its text in "message". A program in its own process tells when it is
// ready only in its output, so a test waits for that line with
// Logs.WaitFor (which, if the process exits first, fails after [Wait]).
// The process is killed, and its output shown if the test failed, when
// the test ends.
type Process struct {
	// Cmd is the running command; a test signals it through Cmd.Process.
	Cmd *exec.Cmd
	// Logs holds every line written so far.
	Logs *Logs

	drained chan struct{} // closed once the output reached EOF, for the cleanup
	exit    chan error    // Cmd.Wait's result, sent once
	exited  bool          // Wait has received from exit
}

// StartProcess starts the binary at path with args and collects its
// output. Call it from the test's goroutine.
func StartProcess(t testing.TB, path string, args ...string) *Process {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close() // the child has its copy: EOF once it, and any child it left, is gone
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	p := &Process{Cmd: cmd, Logs: NewLogs(t), drained: make(chan struct{}), exit: make(chan error, 1)}
	go func() {
		defer close(p.drained)
		defer r.Close()
		// Whole lines only, so that a line is never parsed half written.
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.Logs.Write(append(sc.Bytes(), '\n'))
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	go func() { p.exit <- cmd.Wait() }()
	t.Cleanup(func() {
		if !p.exited {
			_ = cmd.Process.Kill()
			<-p.exit
		}
		<-p.drained
	})
	return p
}

// Wait waits for the process to exit and its output to end, at most
// limit, and returns its exit status: once it returns, Logs holds every
// line the process wrote. It fails t if the process is still running
// then, or if it could not be waited for. Call it from the test's
// goroutine, once.
func (p *Process) Wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	var err error
	select {
	case err = <-p.exit:
		p.exited = true
	case <-timer.C:
		t.Fatalf("seamtest: the process did not exit within %v", limit)
	}
	select {
	case <-p.drained:
	case <-timer.C:
		t.Fatalf("seamtest: the process's output did not end within %v", limit)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		t.Fatalf("seamtest: waiting for the process: %v", err)
	}
	return 0
}
