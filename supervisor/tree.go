package supervisor

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/thejerf/suture/v4"
)

// tree is the shape of a supervisor tree, taken just before its stop
// begins: once a supervisor's context is cancelled, suture's Services
// returns nil, so afterwards the shape can no longer be read.
type tree struct {
	sup    *suture.Supervisor
	parent string  // path of the parent supervisor; "" for the root
	name   string  // name as a service of the parent (suture's name for it)
	path   string  // names of the supervisors from the root down: "app/kv"
	kids   []child // sorted by name
}

// child is one service of a supervisor, as suture names it.
type child struct {
	svc  suture.Service
	name string
	sub  *tree // non-nil when svc is, or holds, a supervisor
}

// snapshot records the tree under root. Each Services call is one round
// trip to a supervisor's goroutine, which answers it whether it is running,
// backing off or stopping; one never started or already stopped answers
// nil at once. So snapshot does not block for long.
func snapshot(root *suture.Supervisor) *tree {
	return snapshotOf(root, "", root.Name, map[*suture.Supervisor]bool{})
}

func snapshotOf(sup *suture.Supervisor, parent, name string, seen map[*suture.Supervisor]bool) *tree {
	t := newTree(sup, parent, name)
	// A supervisor reachable twice (a HasSupervisor returning an ancestor)
	// would otherwise make the walk endless.
	if seen[sup] {
		return t
	}
	seen[sup] = true
	for _, svc := range sup.Services() {
		c := child{svc: svc, name: serviceName(svc)}
		if s := supervisorOf(svc); s != nil {
			c.sub = snapshotOf(s, t.path, c.name, seen)
		}
		t.kids = append(t.kids, c)
	}
	slices.SortFunc(t.kids, func(a, b child) int { return cmp.Compare(a.name, b.name) })
	return t
}

func newTree(sup *suture.Supervisor, parent, name string) *tree {
	seg := sup.Name
	if seg == "" {
		seg = name
	}
	path := seg
	if parent != "" {
		path = parent + "/" + seg
	}
	return &tree{sup: sup, parent: parent, name: name, path: path}
}

// sub returns the snapshot of t's child supervisor sup, or a bare tree for
// one added after the snapshot was taken.
func (t *tree) sub(sup *suture.Supervisor, name string) *tree {
	for _, c := range t.kids {
		if c.sub != nil && c.sub.sup == sup {
			return c.sub
		}
	}
	return newTree(sup, t.path, name)
}

// supervisorOf returns the supervisor svc is or holds, or nil. Only
// pointers are compared later, because comparing services could panic on
// an uncomparable dynamic type.
func supervisorOf(svc suture.Service) *suture.Supervisor {
	if h, ok := svc.(suture.HasSupervisor); ok {
		return h.GetSupervisor()
	}
	return nil
}

// serviceName is suture's name for svc, so a report names a service as the
// event log does.
func serviceName(svc suture.Service) string {
	if s, ok := svc.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%#v", svc)
}
