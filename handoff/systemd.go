package handoff

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// listenFdsStart is the first descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFdsStart = 3

// activation holds the sockets systemd passed to this process, read once.
var activation = sync.OnceValue(func() []named {
	return fromEnv(os.Getenv, os.Unsetenv, os.Getpid())
})

// named is one socket passed by systemd, kept open for the process's life.
type named struct {
	name string
	file *os.File
}

// Systemd returns a bind function, for listener.Server's Bind, that serves
// the socket systemd passed to the process under name (LISTEN_FDNAMES; a
// socket unit's FileDescriptorName=, by default the unit's name, e.g.
// "kv.socket"). The Server's Addr is not used to bind: leave it empty.
//
// Each call returns a new listener on the same socket: the Server closes
// it when its acceptor fails or it stops, and the socket stays open for the
// next call. A name the process was not given, or a socket of another
// network than the one asked for, is an error wrapping [ErrNoSocket] that
// lists the names it has. Where descriptors are not inherited (Windows),
// every call returns an error wrapping [ErrUnsupported].
func Systemd(name string) func(network, address string) (net.Listener, error) {
	return func(network, _ string) (net.Listener, error) {
		if !supported {
			return nil, fmt.Errorf("%w: systemd socket activation", ErrUnsupported)
		}
		socks := activation()
		for _, s := range socks {
			if s.name == name {
				return listenOn(s.file, name, network)
			}
		}
		names := make([]string, len(socks))
		for i, s := range socks {
			names[i] = s.name
		}
		return nil, fmt.Errorf("%w: systemd passed none named %q (passed: %q)", ErrNoSocket, name, names)
	}
}

// fromEnv reads the sockets of systemd's socket activation protocol
// (sd_listen_fds(3)) for the process pid, and unsets its variables. It
// returns none when LISTEN_PID names another process: the variables were
// then inherited from a parent that was activated.
func fromEnv(getenv func(string) string, unsetenv func(string) error, pid int) []named {
	defer func() {
		for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
			unsetenv(v)
		}
	}()
	if p, err := strconv.Atoi(getenv("LISTEN_PID")); err != nil || p != pid {
		return nil
	}
	n, err := strconv.Atoi(getenv("LISTEN_FDS"))
	if err != nil || n <= 0 {
		return nil
	}
	names := strings.Split(getenv("LISTEN_FDNAMES"), ":")
	out := make([]named, n)
	for i := range out {
		fd := listenFdsStart + i
		name := "unknown" // systemd's name for a socket it did not name
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		closeOnExec(fd)
		out[i] = named{name: name, file: os.NewFile(uintptr(fd), name)}
	}
	return slices.Clip(out)
}
