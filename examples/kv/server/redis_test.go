package server

import (
	"net"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
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

// startRedisTCP runs redis-server as startRedis does, listening also on a
// free port of 127.0.0.1, and returns that address.
func startRedisTCP(t *testing.T) string {
	t.Helper()
	port := kvtest.FreePort(t)
	// The later --port wins over startRedis's; redis-server binds the
	// port before the socket that startRedis waits for.
	startRedis(t, "--port", port, "--bind", "127.0.0.1")
	return "127.0.0.1:" + port
}

// redisClient runs redis-server (see startRedis) and returns a client of
// it; the test is skipped when redis-server is not on PATH.
func redisClient(t *testing.T) *respclient.Client {
	t.Helper()
	return dialUnix(t, startRedis(t))
}

// dialUnix returns a client of the server at the Unix socket path.
func dialUnix(t *testing.T, path string) *respclient.Client {
	t.Helper()
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := respclient.New(nc)
	t.Cleanup(func() { c.Close() })
	return c
}
