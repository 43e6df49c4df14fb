//go:build unix

package listener

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/seamgo/seam/supervisor"
)

// removeStaleSocket deletes a unix socket file left behind by a process that
// died without closing its listener, so that the bind succeeds; a socket
// that still answers belongs to a live server and is an error. Abstract
// sockets ("@name") have no file and are left alone.
func removeStaleSocket(path string) error {
	if path == "" || path[0] == '@' {
		return nil
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listener: unix socket %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("listener: %w: %s exists and is not a socket", supervisor.ErrBadConfig, path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: %s", ErrSocketInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("listener: probing unix socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listener: removing stale unix socket %s: %w", path, err)
	}
	return nil
}
