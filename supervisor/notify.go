package supervisor

import (
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/internal/logfield"
)

// notifier tells a service manager (systemd, or anything that speaks its
// notify protocol) how the tree served by Run is doing: one datagram of
// "KEY=value" lines per state, sent to the unix datagram socket named by
// NOTIFY_SOCKET, as sd_notify(3) does. A notifier without a socket sends
// nothing, so Run calls it unconditionally.
//
// The protocol is a few lines, so it is written here rather than taken
// from github.com/coreos/go-systemd/v22/daemon: the root module keeps to
// its chosen dependencies, and the three states Run sends gain nothing from a
// module built for many more.
//
// NOTIFY_SOCKET stays in the environment, unlike sd_notify's
// unset_environment option: the successor of an in-place upgrade is this
// program's child and must tell the service manager that it is ready in
// turn. Other children are ignored by systemd unless the unit sets
// NotifyAccess=all.
type notifier struct {
	log     zerolog.Logger
	addr    *net.UnixAddr // nil: no service manager to tell
	period  time.Duration // between watchdog pings; 0: no watchdog
	mainPID bool          // send MAINPID with READY, for an upgrade's successor
	failing bool          // the last send failed: its failure was logged
}

// newNotifier reads the environment a service manager sets: NOTIFY_SOCKET,
// a path or, from "@", an abstract socket (which Go's net package takes
// as written), and WATCHDOG_USEC with, if set, WATCHDOG_PID naming this
// process. On Windows, which has no unix datagram sockets, it sends
// nothing.
func newNotifier(log zerolog.Logger, upgradable bool) *notifier {
	n := &notifier{log: log, mainPID: upgradable}
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" || runtime.GOOS == "windows" {
		return n
	}
	n.addr = &net.UnixAddr{Name: name, Net: "unixgram"}
	n.period = watchdogPeriod(os.Getenv("WATCHDOG_USEC"), os.Getenv("WATCHDOG_PID"), os.Getpid())
	return n
}

// watchdogPeriod is how often to ping the watchdog: half its timeout, as
// sd_watchdog_enabled(3) advises, so that a ping late by a scheduling
// hiccup is still in time. It is 0, no watchdog, when usec is unset or not
// a positive number, or when pid is set and names another process (the
// watchdog is then that process's to keep).
func watchdogPeriod(usec, pid string, self int) time.Duration {
	us, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	if pid != "" {
		if p, err := strconv.Atoi(pid); err != nil || p != self {
			return 0
		}
	}
	// A timeout beyond time.Duration's range (292 years) is one that
	// never passes: keep it from wrapping into a short one.
	us = min(us, int64(math.MaxInt64/time.Microsecond))
	return max(time.Duration(us)*time.Microsecond/2, time.Microsecond)
}

// watchdog returns a ticker at the ping period, or a stopped one whose
// channel never fires when there is no watchdog: Run's select reads it
// either way.
func (n *notifier) watchdog() *time.Ticker {
	if n.addr == nil || n.period == 0 {
		t := time.NewTicker(time.Hour)
		t.Stop()
		return t
	}
	n.log.Debug().Stringer("every", logfield.Duration(n.period)).Msg("systemd watchdog: pinging")
	return time.NewTicker(n.period)
}

// ready says that the tree is ready. With an Upgrader the message names
// this process as the service's main one, so that the successor of an
// upgrade takes over from its parent (systemd accepts that with
// NotifyAccess=all).
func (n *notifier) ready() {
	if n.mainPID {
		n.send("READY=1\nMAINPID=" + strconv.Itoa(os.Getpid()))
		return
	}
	n.send("READY=1")
}

// send sends one state. A socket is dialled for each, as sd_notify does,
// so that a service manager re-executed meanwhile still gets it. A
// failure is logged and otherwise ignored: the tree serves on whether the
// manager hears of it or not. Only the first of a run of failures is
// logged, so that a missing socket does not log every watchdog ping.
func (n *notifier) send(state string) {
	if n.addr == nil {
		return
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err == nil {
		_, err = c.Write([]byte(state))
		c.Close()
	}
	switch {
	case err != nil && !n.failing:
		n.log.Warn().Err(err).Str("state", state).Msg("cannot notify the service manager")
	case err == nil && n.failing:
		n.log.Info().Str("state", state).Msg("the service manager is notified again")
	}
	n.failing = err != nil
}
