//go:build unix

package handoff_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// child is a re-executed test binary, and whatever it starts, as the test
// sees them: its stdout's lines, ended when every process holding it has
// exited.
type child struct {
	cmd   *exec.Cmd
	lines <-chan string
	done  chan struct{} // closed when cmd.Wait has returned err
	err   error
}

// wait waits for the child to exit and returns cmd.Wait's error.
func (c *child) wait(t *testing.T) error {
	t.Helper()
	seamtest.Recv(t, c.done, "the child to exit")
	return c.err
}

// startChild runs the test binary as the child named name, with env added
// to its environment and extra passed as descriptors 3 and up; wrap, when
// set, is a shell command that execs the binary ("$0" "$@"). The test's
// cleanup kills the child if it is still running and prints its stderr
// if the test failed.
func startChild(t *testing.T, name string, env []string, extra []*os.File, wrap string) *child {
	t.Helper()
	args := []string{os.Args[0], "-test.run=^$"}
	if wrap != "" {
		args = append([]string{"/bin/sh", "-c", wrap}, args...)
	}
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(append(os.Environ(), childEnv+"="+name), env...)
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = w, stderr, extra
	// Its own process group, which a successor joins: the cleanup kills
	// them all, whatever point the test failed at.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	lines := make(chan string, 16)
	c.lines = lines
	go func() {
		defer close(lines)
		defer r.Close()
		for s := bufio.NewScanner(r); s.Scan(); {
			lines <- s.Text()
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
		for range lines { // until every process of the group has exited
		}
		if t.Failed() {
			out, _ := os.ReadFile(stderr.Name())
			t.Logf("child's stderr:\n%s", out)
		}
		stderr.Close()
	})
	return c
}
