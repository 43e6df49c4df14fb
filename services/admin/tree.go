package admin

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/seamgo/seam/supervisor"
)

// treeView is what /debug/tree shows: the probes and the tree.
type treeView struct {
	Phase  string   `json:"phase"`
	Ready  bool     `json:"ready"`
	Live   bool     `json:"live"`
	Paused []string `json:"paused,omitempty"`
	Tree   treeNode `json:"tree"`
}

// treeNode is a supervisor.Node with what admin knows of listeners.
type treeNode struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Restart  string `json:"restart,omitempty"` // a group child's restart type, when not permanent
	Failures uint64 `json:"failures"`
	Restarts uint64 `json:"restarts"`
	// Conns and Accepted are a listener's open connections now and
	// accepted so far.
	Conns    *int64  `json:"conns,omitempty"`
	Accepted *uint64 `json:"accepted,omitempty"`
	// Hibernated is the part of Conns hibernated, with no goroutine
	// (listener.Server.HibernateAfter).
	Hibernated int64 `json:"hibernated,omitempty"`
	// Unstarted is the part of Hibernated parked at accept, its client
	// silent so far (listener.Server.HibernateAtAccept).
	Unstarted int64 `json:"unstarted,omitempty"`
	// Suspended marks a listener that does not accept, its socket
	// bound (listener.Server.Suspend).
	Suspended bool       `json:"suspended,omitempty"`
	Children  []treeNode `json:"children,omitempty"`
}

func view(h *supervisor.Health) treeView {
	live, paused := h.Live()
	return treeView{
		Phase:  h.Phase().String(),
		Ready:  h.Ready(),
		Live:   live,
		Paused: paused,
		Tree:   nodeView(h.Tree()),
	}
}

func nodeView(n supervisor.Node) treeNode {
	v := treeNode{Name: n.Name, Kind: n.Kind, State: n.State, Restart: n.Restart, Failures: n.Failures, Restarts: n.Restarts}
	if l, ok := n.Service.(statser); ok {
		st := l.Stats()
		v.Kind = "listener"
		v.Conns, v.Accepted = &st.Active, &st.Accepted
		v.Hibernated, v.Unstarted = st.Hibernated, st.Unstarted
		v.Suspended = st.Suspended != 0
	}
	for _, c := range n.Children {
		v.Children = append(v.Children, nodeView(c))
	}
	return v
}

func treeJSON(h *supervisor.Health) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(view(h)) // an error is the client's gone
	}
}

func treeHTML(h *supervisor.Health) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = treePage.Execute(w, view(h))
	}
}

var treePage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>seam tree</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
.probes span { margin-right: 1em; }
ul { list-style: none; padding-left: 1.4em; border-left: 1px solid #ccc; margin: .2em 0; }
ul.root { border: none; padding: 0; }
.name { font-weight: 600; }
.kind { color: #666; font-size: .85em; margin: 0 .4em; }
.state { padding: 0 .45em; border-radius: .6em; font-size: .85em; background: #ddd; }
.state.running, .ok { background: #c8efc8; }
.state.backoff, .state.down, .bad { background: #f6c4c4; }
.state.stopping, .state.finished, .state.stopped, .state.suspended { background: #f3e3b5; }
.num { color: #444; font-size: .85em; margin-left: .6em; }
</style></head><body>
<h1>seam supervision tree</h1>
<p class="probes">
<span>phase: <b>{{.Phase}}</b></span>
<span class="state {{if .Ready}}ok{{else}}bad{{end}}">ready: {{.Ready}}</span>
<span class="state {{if .Live}}ok{{else}}bad{{end}}">live: {{.Live}}</span>
{{with .Paused}}<span>paused: {{range .}}{{.}} {{end}}</span>{{end}}
<a href="/debug/tree.json">json</a></p>
<ul class="root">{{template "node" .Tree}}</ul>
</body></html>
{{define "node"}}<li><span class="name">{{.Name}}</span><span class="kind">{{.Kind}}</span><span class="state {{.State}}">{{.State}}</span>
{{- with .Restart}}<span class="kind">{{.}}</span>{{end}}
{{- if .Suspended}} <span class="state suspended">suspended</span>{{end}}
{{- if .Conns}}<span class="num">conns {{.Conns}}{{with .Hibernated}} ({{.}} hibernated{{with $.Unstarted}}, {{.}} of them yet to send a byte{{end}}){{end}}, accepted {{.Accepted}}</span>{{end}}
{{- if or .Failures .Restarts}}<span class="num">failures {{.Failures}}, restarts {{.Restarts}}</span>{{end}}
{{- with .Children}}<ul>{{range .}}{{template "node" .}}{{end}}</ul>{{end}}</li>
{{end}}`))
