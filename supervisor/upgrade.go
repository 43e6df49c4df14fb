package supervisor

import (
	"os"
	"os/signal"

	"github.com/rs/zerolog"
)

// Upgrader is what [Run] needs of a zero-downtime upgrader such as
// *tableflip.Upgrader; see [RunConfig].Upgrader.
type Upgrader interface {
	// Ready tells the previous process, if any, that this one is ready,
	// so that it stops. Run calls it once, when the tree is ready.
	Ready() error
	// Upgrade starts the successor and blocks until it is ready (nil)
	// or has failed. Run calls it on a goroutine of its own, at each
	// upgrade signal.
	Upgrade() error
	// Exit returns a channel closed once a successor is ready: this
	// process must stop.
	Exit() <-chan struct{}
	// Stop ends the Upgrader: it unblocks an Upgrade in progress and
	// refuses any later one. Run calls it before it returns.
	Stop()
}

// upgrades is Run's side of a RunConfig.Upgrader: the upgrade signals, the
// one Upgrade in progress and the successor's readiness. Its channels are
// nil without an Upgrader, so that Run's select ignores them.
type upgrades struct {
	log      zerolog.Logger
	u        Upgrader
	signals  chan os.Signal
	done     chan error      // the result of the Upgrade in progress
	exit     <-chan struct{} // closed once a successor is ready
	inFlight bool
}

func startUpgrades(log zerolog.Logger, u Upgrader, sigs []os.Signal) *upgrades {
	up := &upgrades{log: log, u: u}
	if u == nil {
		return up
	}
	up.signals = make(chan os.Signal, 1)
	up.done = make(chan error, 1)
	up.exit = u.Exit()
	signal.Notify(up.signals, sigs...)
	return up
}

// ready tells the previous process that this tree is ready.
func (up *upgrades) ready() {
	if up.u == nil {
		return
	}
	if err := up.u.Ready(); err != nil {
		up.log.Error().Err(err).Msg("upgrade: cannot tell the previous process that this one is ready")
		return
	}
	up.log.Info().Msg("upgrade: ready for the next upgrade")
}

// start begins an upgrade, unless one is in progress.
func (up *upgrades) start() {
	if up.inFlight {
		up.log.Warn().Msg("upgrade: one is already in progress; signal ignored")
		return
	}
	up.inFlight = true
	up.log.Info().Msg("upgrade: starting the successor")
	go func() { up.done <- up.u.Upgrade() }()
}

// finished logs the end of the upgrade in progress. On success Exit is
// closed too, and Run stops the tree there.
func (up *upgrades) finished(err error) {
	up.inFlight = false
	if err != nil {
		up.log.Error().Err(err).Msg("upgrade failed; still serving")
		return
	}
	up.log.Info().Msg("upgrade: successor ready; stopping")
}

// stop ends the Upgrader and waits for the Upgrade in progress, which
// Stop unblocks.
func (up *upgrades) stop() {
	if up.u == nil {
		return
	}
	signal.Stop(up.signals)
	up.u.Stop()
	if up.inFlight {
		up.finished(<-up.done)
	}
}
