package supervisor

// Phase is where a tree served by [Run] is in its life, as a [Health]
// records it.
type Phase int

// The phases of a tree, in the order Run goes through them.
const (
	// PhaseStarting: Run has started the root, which is not yet ready.
	PhaseStarting Phase = iota
	// PhaseReady: the whole tree is ready (see RunConfig.OnReady) and no
	// stop was asked.
	PhaseReady
	// PhaseLameDuck: a stop was asked and RunConfig.LameDuck runs: the
	// tree still serves everything, but is no longer ready.
	PhaseLameDuck
	// PhaseStopping: the tree's context is cancelled; listeners close
	// their sockets and drain.
	PhaseStopping
	// PhaseStopped: Run has returned.
	PhaseStopped
)

var phaseNames = [...]string{"starting", "ready", "lame duck", "stopping", "stopped"}

// String returns the phase in lower case: "starting", "ready", "lame duck",
// "stopping", "stopped".
func (p Phase) String() string {
	if p < 0 || int(p) >= len(phaseNames) {
		return "unknown"
	}
	return phaseNames[p]
}
