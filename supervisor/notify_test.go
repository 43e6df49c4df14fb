//go:build unix

package supervisor

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// manager is the service manager's end of the notify protocol: a unix
// datagram socket whose name is in NOTIFY_SOCKET for the test.
type manager struct {
	t    *testing.T
	conn *net.UnixConn
	addr *net.UnixAddr
}

// newManager listens on a socket file, or on an abstract socket for a
// name starting with "@", and sets NOTIFY_SOCKET to it.
func newManager(t *testing.T, abstract bool) *manager {
	var name string
	if abstract {
		name = fmt.Sprintf("@seam-notify-test-%d-%s", os.Getpid(), t.Name())
	} else {
		// Not t.TempDir: a socket's path must fit in 108 bytes.
		dir, err := os.MkdirTemp("", "seam")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		name = filepath.Join(dir, "notify")
	}
	addr := &net.UnixAddr{Name: name, Net: "unixgram"}
	conn, err := net.ListenUnixgram("unixgram", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return &manager{t: t, conn: conn, addr: addr}
}

// next returns the next state the manager was sent, waiting for it at
// most seamtest.Wait.
func (m *manager) next() string {
	m.t.Helper()
	if err := m.conn.SetReadDeadline(time.Now().Add(seamtest.Wait)); err != nil {
		m.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := m.conn.Read(buf)
	if err != nil {
		m.t.Fatalf("waiting for a notification: %v", err)
	}
	return string(buf[:n])
}

// rest returns every state sent so far that next has not returned. Call
// it once Run has returned: it sends itself a last datagram and reads up
// to it, which a unix datagram socket delivers in the order sent.
func (m *manager) rest() []string {
	m.t.Helper()
	c, err := net.DialUnix("unixgram", nil, m.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("end of test")); err != nil {
		m.t.Fatal(err)
	}
	var out []string
	for {
		s := m.next()
		if s == "end of test" {
			return out
		}
		out = append(out, s)
	}
}

// neverReady is a root that runs but never becomes ready.
type neverReady struct{ *sleeper }

func (neverReady) Ready() <-chan struct{} { return make(chan struct{}) }

// runToStop runs Run on root until the test calls the stop it returns,
// which waits for Run to return nil. root's running says it started.
func runToStop(t *testing.T, root suture.Service, running <-chan struct{}, cfg RunConfig) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, root, cfg) }()
	seamtest.Recv(t, running, "the root to run")
	return func() {
		t.Helper()
		cancel()
		seamtest.RecvNil(t, done, "Run to return")
	}
}

func TestNotifyReadyWatchdogStopping(t *testing.T) {
	for _, abstract := range []bool{false, true} {
		t.Run(fmt.Sprintf("abstract=%v", abstract), func(t *testing.T) {
			if abstract && runtime.GOOS != "linux" {
				t.Skip("abstract unix sockets are Linux's")
			}
			m := newManager(t, abstract)
			t.Setenv("WATCHDOG_USEC", "2000") // a ping every millisecond
			t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
			h := &Health{}
			root := newSleeper("app")
			stop := runToStop(t, root, root.running, RunConfig{Health: h})

			if s := m.next(); s != "READY=1" {
				t.Fatalf("first notification %q, want READY=1", s)
			}
			if p := h.Phase(); p != PhaseReady {
				t.Errorf("READY=1 sent in phase %v, want it once the tree is ready", p)
			}
			for range 2 {
				if s := m.next(); s != "WATCHDOG=1" {
					t.Fatalf("notification %q while the tree serves, want WATCHDOG=1", s)
				}
			}
			stop()
			rest := m.rest()
			i := slices.Index(rest, "STOPPING=1")
			if i < 0 {
				t.Fatalf("after the stop, sent %q: no STOPPING=1", rest)
			}
			if len(rest) > i+1 {
				t.Errorf("sent %q after STOPPING=1", rest[i+1:])
			}
			for _, s := range rest[:i] {
				if s != "WATCHDOG=1" {
					t.Errorf("sent %q before STOPPING=1, want only watchdog pings (all: %q)", s, rest)
				}
			}
		})
	}
}

// A tree that never became ready never says READY=1, and a stop asked
// then still says STOPPING=1.
func TestNotifyNoReadyBeforeTheTreeIsReady(t *testing.T) {
	m := newManager(t, false)
	t.Setenv("WATCHDOG_USEC", "")
	root := newSleeper("app")
	runToStop(t, neverReady{root}, root.running, RunConfig{})()
	if have := m.rest(); !slices.Equal(have, []string{"STOPPING=1"}) {
		t.Errorf("sent %q, want only STOPPING=1", have)
	}
}

// STOPPING=1 goes at the first signal, before the lame duck: systemd
// knows the unit is stopping while it still serves.
func TestNotifyStoppingBeforeTheLameDuck(t *testing.T) {
	m := newManager(t, false)
	t.Setenv("WATCHDOG_USEC", "")
	h := &Health{}
	done := runCatching(t, context.Background(), newSleeper("app"), RunConfig{Health: h, LameDuck: time.Hour})
	if s := m.next(); s != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", s)
	}
	kill(t, syscall.SIGTERM)
	if s := m.next(); s != "STOPPING=1" {
		t.Fatalf("notification %q at the signal, want STOPPING=1", s)
	}
	// Only the second signal can end the hour's lame duck.
	if p := h.Phase(); p >= PhaseStopping {
		t.Errorf("STOPPING=1 sent in phase %v, want it before the lame duck ends", p)
	}
	kill(t, syscall.SIGTERM) // ends the lame duck
	seamtest.RecvNil(t, done, "Run to return")
	if have := m.rest(); len(have) > 0 {
		t.Errorf("sent %q after STOPPING=1", have)
	}
}

// Without NOTIFY_SOCKET, Run sends nothing, even to a socket that waits.
func TestNotifyNothingWithoutSocket(t *testing.T) {
	m := newManager(t, false)
	os.Unsetenv("NOTIFY_SOCKET") // t.Setenv restores it
	t.Setenv("WATCHDOG_USEC", "1000")
	root := newSleeper("app")
	runToStop(t, root, root.running, RunConfig{})()
	if have := m.rest(); len(have) > 0 {
		t.Errorf("sent %q without NOTIFY_SOCKET", have)
	}
}

// An upgrade's successor names itself the main process when ready, and a
// tree stopped by an upgrade does not say STOPPING=1: the service goes on
// in the successor.
func TestNotifyUpgrade(t *testing.T) {
	m := newManager(t, false)
	t.Setenv("WATCHDOG_USEC", "")
	up := newFakeUpgrader()
	done := make(chan error, 1)
	root := newSleeper("app")
	go func() { done <- Run(context.Background(), root, RunConfig{Upgrader: up}) }()
	if s, want := m.next(), "READY=1\nMAINPID="+strconv.Itoa(os.Getpid()); s != want {
		t.Fatalf("first notification %q, want %q", s, want)
	}
	close(up.exit) // the successor is ready
	seamtest.RecvNil(t, done, "Run to return")
	if have := m.rest(); len(have) > 0 {
		t.Errorf("sent %q after the upgrade, want nothing", have)
	}
}

// A socket that is gone is logged once, not at every ping, and its return
// once.
func TestNotifyFailureLoggedOnce(t *testing.T) {
	m := newManager(t, false)
	logs := seamtest.NewLogs(t)
	n := &notifier{log: logs.Logger(), addr: &net.UnixAddr{Name: m.addr.Name + ".gone", Net: "unixgram"}}
	for range 3 {
		n.send("WATCHDOG=1")
	}
	n.addr = m.addr
	n.send("WATCHDOG=1")
	if s := m.next(); s != "WATCHDOG=1" {
		t.Errorf("sent %q, want WATCHDOG=1", s)
	}
	if have := len(logs.Events("cannot notify the service manager")); have != 1 {
		t.Errorf("%d failure lines for 3 failures in a row, want 1", have)
	}
	if have := len(logs.Events("notified again")); have != 1 {
		t.Errorf("%d lines for the recovery, want 1", have)
	}
}

func TestWatchdogPeriod(t *testing.T) {
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"30000000", "", 15 * time.Second},
		{"30000000", "42", 15 * time.Second},
		{"30000000", "43", 0}, // the watchdog of another process
		{"30000000", "x", 0},
		{"0", "", 0},
		{"-5", "", 0},
		{"soon", "", 0},
		{"1", "", time.Microsecond},
	} {
		if have := watchdogPeriod(tc.usec, tc.pid, 42); have != tc.want {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: have %v, want %v", tc.usec, tc.pid, have, tc.want)
		}
	}
}
