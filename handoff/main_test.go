package handoff_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/cloudflare/tableflip"
	"github.com/rs/zerolog"

	"github.com/seamgo/seam/handoff"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// childEnv names the child a test binary runs as, when the tests re-execute
// it; pidFileEnv is the PID file of the upgrade child.
const (
	childEnv   = "SEAM_HANDOFF_CHILD"
	pidFileEnv = "SEAM_HANDOFF_PIDFILE"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		seamtest.Main(m)
	case "systemd":
		exitWith(systemdChild())
	case "upgrade":
		exitWith(upgradeChild())
	default:
		exitWith(fmt.Errorf("unknown child %q", os.Getenv(childEnv)))
	}
}

// exitWith ends a child process, past the testing package, whose output
// would mix with the child's protocol on stdout.
func exitWith(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// pidHandler answers each line a client sends with the serving process's
// PID, so that a client knows which binary served it.
func pidHandler(prefix string) listener.Handler {
	return listener.HandlerFunc(func(_ context.Context, c net.Conn) error {
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return err
		}
		_, err := fmt.Fprintf(c, "%s%d\n", prefix, os.Getpid())
		return err
	})
}

func childLogger() zerolog.Logger {
	return zerolog.New(os.Stderr).With().Timestamp().Int("pid", os.Getpid()).Logger()
}

// systemdChild serves the socket systemd would pass as "web". Its first
// listener fails at its first Accept, so that the connection the test
// makes is served by the restarted acceptor, on the same inherited socket.
func systemdChild() error {
	sd := handoff.Systemd("web")
	var binds int
	srv := &listener.Server{
		Name:    "web",
		Handler: pidHandler(""),
		Logger:  childLogger(),
		Bind: func(network, address string) (net.Listener, error) {
			binds++ // the acceptor's binds are sequential
			ln, err := sd(network, address)
			if err != nil || binds > 1 {
				return ln, err
			}
			return &failFirstAccept{Listener: ln}, nil
		},
	}
	return supervisor.Run(context.Background(), srv, supervisor.RunConfig{
		Logger:  childLogger(),
		OnReady: func() { fmt.Println("ready") },
	})
}

// failFirstAccept fails its first Accept with an error the acceptor does
// not retry in place: the acceptor fails, and is restarted with a new bind.
type failFirstAccept struct {
	net.Listener
	once sync.Once
}

func (l *failFirstAccept) Accept() (net.Conn, error) {
	err := errors.New("injected accept fault")
	l.once.Do(func() { err = nil })
	if err == nil {
		return nil, errors.New("injected accept fault")
	}
	return l.Listener.Accept()
}

// upgradeChild serves 127.0.0.1:0 through a handoff.Upgrader until
// SIGTERM or until its successor, started at SIGHUP, is ready. It prints
// "ready PID ADDR" once its tree is ready.
func upgradeChild() error {
	upg, err := handoff.New(tableflip.Options{PIDFile: os.Getenv(pidFileEnv)})
	if err != nil {
		return err
	}
	srv := &listener.Server{
		Name:    "pid",
		Addr:    "127.0.0.1:0",
		Bind:    upg.Bind,
		Handler: pidHandler(""),
		Logger:  childLogger(),
	}
	return supervisor.Run(context.Background(), srv, supervisor.RunConfig{
		Logger:   childLogger(),
		Upgrader: upg,
		OnReady:  func() { fmt.Println("ready", os.Getpid(), srv.BoundAddr()) },
	})
}
