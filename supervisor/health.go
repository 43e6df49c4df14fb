package supervisor

import (
	"cmp"
	"slices"
	"sync"

	"github.com/thejerf/suture/v4"
)

// Health is the state of a tree as probes and an admin service need it:
// the [Phase] that [Run] is in, which supervisors are paused in their
// failure backoff, the failures and restarts counted per service, and the
// live shape of the tree ([Health.Tree]). The program creates one, gives it
// to [RunConfig].Health and to whatever reports it (seam's admin service).
// Its zero value is ready to use; it must not be copied once used. All its
// methods are safe for concurrent use and never block on the tree, except
// Tree, which asks each suture supervisor for its services.
//
// Run feeds it: it records the phases, and it hands the Health down the
// tree's context, so that every [Group] and every listener under the root,
// at any depth, sends its events to [Health.Observe] besides its logger. A *suture.Supervisor keeps the hook it was built
// with: build it with [Config].Health set, or call Observe from a hook of
// your own. A child suture supervisor takes its parent's hook when added,
// so setting it on the root suture supervisor covers its subtree.
//
// One Health follows one Run at a time; a second Run with it starts it
// over from PhaseStarting, keeping the counts.
type Health struct {
	mu       sync.Mutex
	phase    Phase
	root     suture.Service
	paused   map[string]int // supervisor name -> backoffs entered, not yet left
	backoffs map[string]uint64
	counts   map[serviceKey]*ServiceCount
}

type serviceKey struct{ supervisor, service string }

// ServiceCount is what [Health] counted for one service of one supervisor
// or group.
type ServiceCount struct {
	// Supervisor is the name of the supervisor or group the service
	// runs under, as its events name it.
	Supervisor string
	// Service is the service's name (its String).
	Service string
	// Failures counts the times the service returned or panicked while
	// its supervisor ran.
	Failures uint64
	// Restarts counts the times the service was restarted after a
	// failure, its own or, in a [Group], a sibling's that its Strategy
	// restarts it with, or by [Group.Restart]; a restart that waits for
	// the backoff counts too.
	Restarts uint64
}

// SupervisorCount is what [Health] counted for one supervisor or group.
type SupervisorCount struct {
	// Supervisor is the supervisor's or group's name.
	Supervisor string
	// Backoffs counts the times it paused its restarts after too many
	// failures.
	Backoffs uint64
	// InBackoff is true while it is paused.
	InBackoff bool
}

// Phase returns the phase of the Run that the Health follows;
// PhaseStarting before any.
func (h *Health) Phase() Phase {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.phase
}

// Ready reports whether the tree is ready to take traffic: the whole tree
// became ready and no stop has been asked. It turns false at the first stop
// signal, before the lame duck and before any listener closes its socket.
func (h *Health) Ready() bool { return h.Phase() == PhaseReady }

// Live reports whether the tree serves or can come back on its own: false
// once Run has returned, and while any supervisor or group is paused in its
// failure backoff, since its services then stay down until the pause ends.
// The names of the paused supervisors are returned, sorted.
func (h *Health) Live() (live bool, paused []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for name, n := range h.paused {
		if n > 0 {
			paused = append(paused, name)
		}
	}
	slices.Sort(paused)
	return h.phase != PhaseStopped && len(paused) == 0, paused
}

// Observe records ev: a service's failure (suture's EventServiceTerminate
// and EventServicePanic, a Group's [EventChildFailed]), a Group's restart on
// demand ([EventChildChanged]), and a supervisor
// entering or leaving its backoff (EventBackoff, EventResume). Other events
// are ignored. It has the signature of a suture.EventHook and is as cheap
// as a hook must be: one short critical section, no I/O.
func (h *Health) Observe(ev suture.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e := ev.(type) {
	case suture.EventServiceTerminate:
		c := h.count(e.SupervisorName, e.ServiceName)
		c.Failures++
		c.Restarts++ // at once, or once the backoff ends
	case suture.EventServicePanic:
		c := h.count(e.SupervisorName, e.ServiceName)
		c.Failures++
		c.Restarts++
	case EventChildFailed:
		h.count(e.GroupName, e.ServiceName).Failures++
		for _, name := range e.Restarts {
			h.count(e.GroupName, name).Restarts++
		}
	case EventChildChanged:
		for _, name := range e.Restarts {
			h.count(e.GroupName, name).Restarts++
		}
	case suture.EventBackoff:
		if h.paused == nil {
			h.paused, h.backoffs = map[string]int{}, map[string]uint64{}
		}
		h.paused[e.SupervisorName]++
		h.backoffs[e.SupervisorName]++
	case suture.EventResume:
		if h.paused[e.SupervisorName] > 0 {
			h.paused[e.SupervisorName]--
		}
	}
}

func (h *Health) count(sup, svc string) *ServiceCount {
	if h.counts == nil {
		h.counts = map[serviceKey]*ServiceCount{}
	}
	k := serviceKey{sup, svc}
	c := h.counts[k]
	if c == nil {
		c = &ServiceCount{Supervisor: sup, Service: svc}
		h.counts[k] = c
	}
	return c
}

// ServiceCounts returns the counts of every service that failed or was
// restarted at least once, sorted by supervisor and service.
func (h *Health) ServiceCounts() []ServiceCount {
	h.mu.Lock()
	out := make([]ServiceCount, 0, len(h.counts))
	for _, c := range h.counts {
		out = append(out, *c)
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b ServiceCount) int {
		return cmp.Or(cmp.Compare(a.Supervisor, b.Supervisor), cmp.Compare(a.Service, b.Service))
	})
	return out
}

// SupervisorCounts returns the counts of every supervisor or group that
// paused its restarts at least once, sorted by name.
func (h *Health) SupervisorCounts() []SupervisorCount {
	h.mu.Lock()
	out := make([]SupervisorCount, 0, len(h.backoffs))
	for name, n := range h.backoffs {
		out = append(out, SupervisorCount{Supervisor: name, Backoffs: n, InBackoff: h.paused[name] > 0})
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b SupervisorCount) int { return cmp.Compare(a.Supervisor, b.Supervisor) })
	return out
}

// Tree returns the live tree of the Run that h follows, from its root, or
// a zero Node before any Run. Each suture supervisor is asked for its
// services, one round trip to its goroutine, which it answers even while
// paused or stopping; the rest is read under short locks. The result is a
// snapshot: a tree changes while it is walked.
func (h *Health) Tree() Node {
	h.mu.Lock()
	root := h.root
	h.mu.Unlock()
	if root == nil {
		return Node{}
	}
	w := walker{h: h, seen: map[any]bool{}}
	return w.node(root, "", "running")
}

func (h *Health) counted(sup, svc string) (failures, restarts uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.counts[serviceKey{sup, svc}]; c != nil {
		return c.Failures, c.Restarts
	}
	return 0, 0
}

func (h *Health) pausedNow(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.paused[name] > 0
}

// begin is Run's start: a fresh phase and the root to walk. Backoffs a
// previous tree left open are forgotten; its counts stay.
func (h *Health) begin(root suture.Service) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.phase, h.root, h.paused = PhaseStarting, root, nil
}

// setPhase records p; on a nil Health (Run without one) it does nothing.
func (h *Health) setPhase(p Phase) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.phase = p
}

// observer returns h.Observe as a hook, or nil for a nil Health, so that
// eventhook.Then adds nothing for a tree without one.
func (h *Health) observer() suture.EventHook {
	if h == nil {
		return nil
	}
	return h.Observe
}
