package services

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/rs/zerolog"
)

// inflight counts the handlers an [HTTP]'s server is running, so that Serve
// returns only after the last one has: http.Server.Shutdown and Close wait
// for connections, not for handler goroutines.
type inflight struct {
	mu      sync.Mutex
	n       int
	closed  bool          // close has been called: no handler may start
	drained chan struct{} // made by close, closed when n drops to 0
}

// wrap returns next wrapped to be counted, and to log a panic with its
// stack before aborting the connection as net/http would.
func (f *inflight) wrap(next http.Handler, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.enter() {
			// The server was closed under this request, which was read
			// before its connection went: nobody is left to answer it.
			w.Header().Set("Connection", "close")
			http.Error(w, "server stopped", http.StatusServiceUnavailable)
			return
		}
		defer f.leave()
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v != http.ErrAbortHandler { //nolint:errorlint // net/http compares it so
				log.Error().
					Str("panic", fmt.Sprint(v)).
					Str("stack", string(debug.Stack())).
					Str("method", r.Method).
					Str("path", r.URL.Path).
					Str("remote", r.RemoteAddr).
					Msg("http handler panicked")
			}
			// Logged once here; ErrAbortHandler makes net/http abort the
			// connection without logging it a second time.
			panic(http.ErrAbortHandler)
		}()
		next.ServeHTTP(w, r)
	})
}

func (f *inflight) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.n++
	return true
}

func (f *inflight) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.drained != nil {
		close(f.drained)
		f.drained = nil
	}
}

// close stops new handlers from starting and returns a channel that is
// closed once the running ones have returned. Call it once, after the
// server is closed.
func (f *inflight) close() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	drained := make(chan struct{})
	if f.n == 0 {
		close(drained)
	} else {
		f.drained = drained
	}
	return drained
}
