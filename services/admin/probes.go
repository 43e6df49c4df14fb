package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/seamgo/seam/supervisor"
)

// healthz answers 200 while the tree is live, 503 with the reason when a
// supervisor is paused in its backoff or Run has returned.
func healthz(h *supervisor.Health) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		live, paused := h.Live()
		switch {
		case live:
			plain(w, http.StatusOK, "ok\n")
		case len(paused) > 0:
			plain(w, http.StatusServiceUnavailable, "paused in failure backoff: "+strings.Join(paused, ", ")+"\n")
		default:
			plain(w, http.StatusServiceUnavailable, "tree "+h.Phase().String()+"\n")
		}
	}
}

// readyz answers 200 while the tree is ready, 503 with its phase
// otherwise.
func readyz(h *supervisor.Health) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p := h.Phase(); p != supervisor.PhaseReady {
			plain(w, http.StatusServiceUnavailable, "not ready: "+p.String()+"\n")
			return
		}
		plain(w, http.StatusOK, "ready\n")
	}
}

func plain(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

// index lists the endpoints, for a person who opens the port in a browser.
func index(pprof bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>seam admin</title><ul>
<li><a href="/healthz">/healthz</a><li><a href="/readyz">/readyz</a>
<li><a href="/metrics">/metrics</a><li><a href="/debug/tree">/debug/tree</a> (<a href="/debug/tree.json">json</a>)`)
		if pprof {
			fmt.Fprint(w, `<li><a href="/debug/pprof/">/debug/pprof/</a>`)
		}
		fmt.Fprint(w, "</ul>\n")
	}
}
