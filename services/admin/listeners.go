package admin

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/seamgo/seam/supervisor"
)

// suspender is a service that can stop accepting with its socket bound
// and accept again: a *listener.Server.
type suspender interface {
	Suspend() bool
	Resume() bool
}

// suspendListener serves POST /listeners/{name}/suspend.
func suspendListener(h *supervisor.Health) http.HandlerFunc {
	return listenerAction(h, func(l suspender) string {
		if l.Suspend() {
			return "suspended"
		}
		return "suspended already"
	})
}

// resumeListener serves POST /listeners/{name}/resume.
func resumeListener(h *supervisor.Health) http.HandlerFunc {
	return listenerAction(h, func(l suspender) string {
		if l.Resume() {
			return "resumed"
		}
		return "accepting already"
	})
}

// listenerAction applies act to the listener of the live tree named by
// the request's {name}, and answers 200 with what act says happened,
// 404 when no listener has that name, 409 when several have.
func listenerAction(h *supervisor.Health, act func(suspender) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		name := r.PathValue("name")
		found := findListeners(h.Tree(), name)
		switch len(found) {
		case 0:
			http.Error(w, fmt.Sprintf("no listener named %q", name), http.StatusNotFound)
			return
		case 1:
		default:
			http.Error(w, fmt.Sprintf("%d listeners named %q", len(found), name), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s: %s\n", name, act(found[0]))
	}
}

// findListeners returns the distinct listeners of the tree from n down
// that answer to name: a listener's name (its String), or that name less
// the "listener " that a listener's default name, and kv's "listener
// kv", begin with, so that /listeners/kv/suspend finds "listener kv". An
// exact name wins over a shortened one.
func findListeners(n supervisor.Node, name string) []suspender {
	var exact, short []suspender
	// A tree may hold one listener twice; only a comparable service
	// (a pointer, as *listener.Server is) can be a map key.
	seen := map[any]bool{}
	var walk func(supervisor.Node)
	walk = func(n supervisor.Node) {
		l, ok := n.Service.(suspender)
		if ok && reflect.TypeOf(l).Comparable() {
			ok = !seen[l]
			seen[l] = true
		}
		if ok {
			switch {
			case n.Name == name:
				exact = append(exact, l)
			case strings.TrimPrefix(n.Name, "listener ") == name:
				short = append(short, l)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	if len(exact) > 0 {
		return exact
	}
	return short
}
