package server

import (
	"net"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// startRedis runs redis-server 7 on a Unix socket in a temporary
// directory, without persistence and with the given flags, and returns the
// socket's path; the test is skipped when redis-server is not on PATH.
func startRedis(t *testing.T, flags ...string) string {
	t.Helper()
	bin := lookPath(t, "redis-server")
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	args := append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir}, flags...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	seamtest.Eventually(t, "redis-server to listen", func() bool {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return sock
}
