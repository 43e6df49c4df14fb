//go:build unix

package listener

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// modeAtAccept is a listener that notes the socket file's mode when its
// first Accept is called.
type modeAtAccept struct {
	net.Listener
	path string
	mode chan<- fs.FileMode
	once sync.Once
}

func (l *modeAtAccept) Accept() (net.Conn, error) {
	l.once.Do(func() {
		fi, err := os.Stat(l.path)
		if err != nil {
			close(l.mode) // the test then reads 0
			return
		}
		l.mode <- fi.Mode().Perm()
	})
	return l.Listener.Accept()
}

// The socket file has its mode before the acceptor's first Accept: the
// default owner-only, or the mode asked for, whatever the umask.
func TestUnixSocketPerm(t *testing.T) {
	for _, tc := range []struct {
		perm, want fs.FileMode
	}{
		{0, 0o600},
		{0o660, 0o660},
		{0o777, 0o777},
		{0o700, 0o700},
	} {
		path := socketPath(t)
		seen := make(chan fs.FileMode, 1)
		s := &Server{Network: "unix", Addr: path, UnixSocketPerm: tc.perm, Handler: HandlerFunc(echo),
			Bind: func(network, address string) (net.Listener, error) {
				ln, err := net.Listen(network, address)
				if err != nil {
					return nil, err
				}
				return &modeAtAccept{Listener: ln, path: address, mode: seen}, nil
			}}
		srv := seamtest.Start(t, s)
		if have := seamtest.Recv(t, seen, "the first Accept"); have != tc.want {
			t.Errorf("UnixSocketPerm %#o: mode %#o at the first Accept, want %#o", tc.perm, have, tc.want)
		}
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		seamtest.WantEcho(t, c, "served")
		c.Close()
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// Without a Bind the same happens through net.Listen.
func TestUnixSocketPermDefault(t *testing.T) {
	path := socketPath(t)
	srv := seamtest.Start(t, &Server{Network: "unix", Addr: path, Handler: HandlerFunc(echo)})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if have := fi.Mode().Perm(); have != defaultUnixSocketPerm {
		t.Errorf("mode %#o, want %#o", have, defaultUnixSocketPerm)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A mode with more than permission bits is a configuration error, found
// before anything binds.
func TestUnixSocketPermBad(t *testing.T) {
	path := socketPath(t)
	s := &Server{Network: "unix", Addr: path, UnixSocketPerm: fs.ModeSetuid | 0o600, Handler: HandlerFunc(echo)}
	if err := s.Serve(context.Background()); !errors.Is(err, supervisor.ErrBadConfig) {
		t.Fatalf("Serve = %v; want supervisor.ErrBadConfig", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a socket was bound: %v", err)
	}
}
