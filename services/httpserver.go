package services

import (
	"context"
	stdlog "log"
	"net"
	"net/http"
	"strings"

	"github.com/rs/zerolog"
)

// newServer builds the fresh http.Server of one Serve. The template's
// configurable fields are copied one by one: http.Server holds a mutex and
// the state of its last run, so the struct itself must not be copied.
//
// Four fields are the service's own: Handler (wrapped to track in-flight
// requests and log panics), BaseContext (ends when the service stops),
// ErrorLog (through the service's logger, unless the template sets one) and
// TLSConfig (cloned: ServeTLS's HTTP/2 setup writes to it).
func (h *HTTP) newServer(cfg httpConfig, base context.Context, flight *inflight, log zerolog.Logger) *http.Server {
	srv := &http.Server{
		Addr:        cfg.addr,
		Handler:     flight.wrap(cfg.handler, log),
		ErrorLog:    stdlog.New(errorLogWriter{log}, "", 0),
		BaseContext: func(net.Listener) context.Context { return base },
	}
	t := h.Server
	if t == nil {
		return srv
	}
	srv.DisableGeneralOptionsHandler = t.DisableGeneralOptionsHandler
	srv.TLSConfig = t.TLSConfig.Clone()
	srv.ReadTimeout = t.ReadTimeout
	srv.ReadHeaderTimeout = t.ReadHeaderTimeout
	srv.WriteTimeout = t.WriteTimeout
	srv.IdleTimeout = t.IdleTimeout
	srv.MaxHeaderBytes = t.MaxHeaderBytes
	srv.TLSNextProto = t.TLSNextProto
	srv.ConnState = t.ConnState
	srv.ConnContext = t.ConnContext
	if t.HTTP2 != nil {
		c := *t.HTTP2
		srv.HTTP2 = &c
	}
	if t.Protocols != nil {
		p := *t.Protocols
		srv.Protocols = &p
	}
	if t.ErrorLog != nil {
		srv.ErrorLog = t.ErrorLog
	}
	if t.BaseContext != nil {
		srv.BaseContext = func(ln net.Listener) context.Context {
			return joinBase(t.BaseContext(ln), base, log)
		}
	}
	return srv
}

// joinBase returns a context with the values of parent (the template's
// BaseContext) that is also cancelled when base is, that is when the
// service stops. base is always cancelled before Serve returns, which ends
// the AfterFunc.
func joinBase(parent, base context.Context, log zerolog.Logger) context.Context {
	ctx, cancel := context.WithCancel(parent)
	context.AfterFunc(base, cancel)
	// Give handlers the service's logger unless the template chose one:
	// zerolog.Ctx falls back to the same default for any ctx without one.
	if zerolog.Ctx(ctx) == zerolog.Ctx(context.Background()) {
		ctx = log.WithContext(ctx)
	}
	return ctx
}

// errorLogWriter carries net/http's error log (TLS handshake errors,
// accept retries, superfluous WriteHeader calls) into zerolog. The
// *log.Logger in front of it calls Write once per message, serialised.
type errorLogWriter struct {
	log zerolog.Logger
}

func (w errorLogWriter) Write(p []byte) (int, error) {
	w.log.Warn().Str("source", "net/http").Msg(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
