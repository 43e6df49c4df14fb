package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// echoBin is the echo command, built once for the tests.
var echoBin = seamtest.NewProgram(".")

func TestMain(m *testing.M) { seamtest.MainBuilt(m, echoBin) }

// The built program serves echo on a real socket, and SIGTERM stops it
// gracefully with exit status 0 while a client is connected.
func TestEchoBinaryStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on windows")
	}
	bin := echoBin.Path(t)

	// -h prints the usage and exits 0, as kv's does.
	if out, err := exec.Command(bin, "-h").CombinedOutput(); err != nil || !strings.Contains(string(out), "-shutdown-timeout") {
		t.Fatalf("echo -h: %v\n%s", err, out)
	}

	// With an hour's budget, an exit within seamtest.Wait shows that the idle
	// client was let go at once, not after a drain.
	p := seamtest.StartProcess(t, bin, "-addr", "127.0.0.1:0", "-shutdown-timeout", "1h")

	// The address the kernel chose is in the "listening" log line, which
	// is the console's text here, not JSON.
	line, _ := p.Logs.WaitFor(t, "listening")["message"].(string)
	m := regexp.MustCompile(`listening.*addr=(\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in the listening line %q", line)
	}
	addr := m[1]

	c, err := net.DialTimeout("tcp", addr, seamtest.Wait)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seamtest.WantEcho(t, c, "hello")

	p.Cmd.Process.Signal(syscall.SIGTERM)
	// The idle client is let go at once, not after the drain.
	if _, err := bufio.NewReader(c).ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Fatalf("after SIGTERM the client read %v; want EOF", err)
	}
	if code := p.Wait(t, seamtest.Wait); code != 0 {
		t.Fatalf("exit after SIGTERM: status %d; want 0", code)
	}
}

// runEcho runs the program in process with args and a port the kernel
// picks, its logs discarded, and returns a client connected to it and the
// run's result, sent once it returns. The test's end cancels the run and
// waits for it.
func runEcho(t *testing.T, args ...string) (net.Conn, context.CancelFunc, <-chan error) {
	t.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() }) // after the run's own cleanup
	return runEchoLogging(t, devnull, args...)
}

// runEchoLogging is runEcho with the logs written to logTo.
func runEchoLogging(t *testing.T, logTo *os.File, args ...string) (net.Conn, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	stopped := make(chan struct{})
	bound := make(chan net.Addr, 1)
	go func() {
		defer close(stopped)
		result <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), logTo, bound)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	var addr net.Addr
	select {
	case addr = <-bound:
	case err := <-result:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(seamtest.Wait):
		t.Fatal("the listener never became ready")
	}
	return seamtest.Dial(t, addr), cancel, result
}

// In-process, the handler echoes line by line and a cancelled ctx stops
// the tree cleanly.
func TestRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	c, cancel, result := runEcho(t)
	io.WriteString(c, "one\ntwo\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"one", "two"} {
		line, err := br.ReadString('\n')
		if err != nil || strings.TrimSpace(line) != want {
			t.Fatalf("echo: %q, %v; want %q", line, err, want)
		}
	}
	cancel()
	if err := seamtest.Recv(t, result, "run to return after cancel"); err != nil {
		t.Fatalf("run = %v", err)
	}
}

// A line longer than -maxline is refused with an error line and the
// connection is closed; shorter lines before it are echoed.
func TestMaxLine(t *testing.T) {
	t.Parallel()
	c, _, _ := runEcho(t, "-maxline", "16")
	io.WriteString(c, "fifteen bytes!\n"+strings.Repeat("x", 100)) // no newline: never ends
	out, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) { // a close with our bytes unread is a reset
		t.Fatalf("read: %v after %q", err, out)
	}
	if want := "fifteen bytes!\nERR line too long (limit 16 bytes)\n"; string(out) != want {
		t.Fatalf("got %q, want %q and a close", out, want)
	}
}

// The default level is info: a client's arrival, logged at debug, is not
// in the log unless -loglevel debug asks for it.
func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		connected bool
	}{
		{nil, false},
		{[]string{"-loglevel", "debug"}, true},
	} {
		logs, err := os.CreateTemp(t.TempDir(), "log")
		if err != nil {
			t.Fatal(err)
		}
		c, cancel, done := runEchoLogging(t, logs, tc.args...)
		// The handler logs the arrival before it echoes.
		seamtest.WantEcho(t, c, "hi")
		c.Close()
		cancel()
		if err := seamtest.Recv(t, done, "run to return"); err != nil {
			t.Fatalf("run = %v", err)
		}
		out, err := os.ReadFile(logs.Name())
		logs.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "tree ready") {
			t.Errorf("%q: no info line in the log:\n%s", tc.args, out)
		}
		if have := strings.Contains(string(out), "client connected"); have != tc.connected {
			t.Errorf("%q: client's debug line logged: %v, want %v:\n%s", tc.args, have, tc.connected, out)
		}
	}
	if err := run(context.Background(), []string{"-loglevel", "loud"}, os.Stderr, nil); err == nil || !strings.Contains(err.Error(), "-loglevel") {
		t.Errorf("-loglevel loud: %v, want an error naming -loglevel", err)
	}
}
