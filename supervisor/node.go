package supervisor

import (
	"github.com/thejerf/suture/v4"
)

// Node is one supervisor, group or service of a live tree, as
// [Health.Tree] sees it.
type Node struct {
	// Name is the node's name: a service's String, a supervisor's name.
	Name string `json:"name"`
	// Kind is "group" for a [Group], "supervisor" for a suture supervisor
	// (or a service that holds one), "service" for any other service.
	Kind string `json:"kind"`
	// State is what the node does now:
	//
	//   - "running": serving; for a child of a suture supervisor, which
	//     does not say more, listed by its supervisor;
	//   - "backoff": a supervisor or group paused after too many failures;
	//   - "stopping": cancelled, its Serve not yet returned;
	//   - "down": a Group's child not running: not started yet, or
	//     waiting for its restart;
	//   - "finished": a Group's child that ended for good
	//     (suture.ErrDoNotRestart, a transient child's normal end), until
	//     a restart starts it again;
	//   - "stopped": a child of a group that is not serving.
	State string `json:"state"`
	// Restart is the restart type of a Group's child that is not
	// permanent: "transient" or "temporary" (see [Transient],
	// [Temporary]).
	Restart string `json:"restart,omitempty"`
	// Failures and Restarts are the counts of [ServiceCount] for this
	// node under its parent; zero for the root.
	Failures uint64 `json:"failures"`
	Restarts uint64 `json:"restarts"`
	// Children are a group's children in start order, or a supervisor's
	// services as suture lists them.
	Children []Node `json:"children,omitempty"`
	// Service is the node's service, for callers that know more about it
	// (an admin service adds a listener's connections).
	Service suture.Service `json:"-"`
}

// walker builds a Node tree; seen stops a walk through a supervisor or
// group reachable twice.
type walker struct {
	h    *Health
	seen map[any]bool
}

// node describes svc, a child of the supervisor or group named parent, in
// state (its parent's view of it).
func (w *walker) node(svc suture.Service, parent, state string) Node {
	n := Node{Name: serviceName(svc), Kind: "service", State: state, Service: svc}
	if parent != "" {
		n.Failures, n.Restarts = w.h.counted(parent, n.Name)
	}
	if g, ok := svc.(*Group); ok {
		n.Kind = "group"
		if !w.seen[g] {
			w.seen[g] = true
			n.State = w.supervisorState(g.String(), state)
			n.Children = w.group(g)
		}
		return n
	}
	if sup := supervisorOf(svc); sup != nil {
		n.Kind = "supervisor"
		if !w.seen[sup] {
			w.seen[sup] = true
			n.State = w.supervisorState(sup.Name, state)
			for _, c := range sup.Services() {
				n.Children = append(n.Children, w.node(c, sup.Name, "running"))
			}
		}
	}
	return n
}

// supervisorState is "backoff" for a supervisor paused now, else state.
func (w *walker) supervisorState(name, state string) string {
	if state == "running" && w.h.pausedNow(name) {
		return "backoff"
	}
	return state
}

// group describes g's children, in the states its running Serve holds.
func (w *walker) group(g *Group) []Node {
	name, kids := g.children()
	out := make([]Node, len(kids))
	for i, k := range kids {
		out[i] = w.node(k.svc, name, k.state)
		if k.restart != permanent {
			out[i].Restart = k.restart.String()
		}
	}
	return out
}
