package services

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/listener/seamtest"
)

func TestNewServerCopiesTemplate(t *testing.T) {
	type key struct{}
	var connState, connContext bool
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	tmpl := &http.Server{
		Addr:                         "127.0.0.1:1",
		Handler:                      hello,
		DisableGeneralOptionsHandler: true,
		TLSConfig:                    &tls.Config{ServerName: "template", GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, nil }},
		ReadTimeout:                  1 * time.Second,
		ReadHeaderTimeout:            2 * time.Second,
		WriteTimeout:                 3 * time.Second,
		IdleTimeout:                  4 * time.Second,
		MaxHeaderBytes:               5,
		TLSNextProto:                 map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnState:                    func(net.Conn, http.ConnState) { connState = true },
		ErrorLog:                     log.New(io.Discard, "", 0),
		BaseContext:                  func(net.Listener) context.Context { return context.WithValue(context.Background(), key{}, "base") },
		ConnContext:                  func(ctx context.Context, c net.Conn) context.Context { connContext = true; return ctx },
		HTTP2:                        &http.HTTP2Config{MaxConcurrentStreams: 7},
		Protocols:                    protocols,
	}
	h := &HTTP{Server: tmpl}
	cfg, err := h.resolve()
	if err != nil {
		t.Fatal(err)
	}
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := h.newServer(cfg, base, &inflight{}, zerolog.Nop())

	if srv == tmpl {
		t.Fatal("newServer returned the template")
	}
	if srv.Addr != tmpl.Addr || srv.DisableGeneralOptionsHandler != tmpl.DisableGeneralOptionsHandler ||
		srv.ReadTimeout != tmpl.ReadTimeout || srv.ReadHeaderTimeout != tmpl.ReadHeaderTimeout ||
		srv.WriteTimeout != tmpl.WriteTimeout || srv.IdleTimeout != tmpl.IdleTimeout ||
		srv.MaxHeaderBytes != tmpl.MaxHeaderBytes {
		t.Errorf("scalar fields not copied: have %+v", srv)
	}
	if srv.TLSConfig == tmpl.TLSConfig || srv.TLSConfig == nil || srv.TLSConfig.ServerName != "template" {
		t.Errorf("TLSConfig = %p, want a clone of the template's %p", srv.TLSConfig, tmpl.TLSConfig)
	}
	if srv.TLSNextProto == nil || reflect.ValueOf(srv.TLSNextProto).Pointer() != reflect.ValueOf(tmpl.TLSNextProto).Pointer() {
		t.Errorf("TLSNextProto not copied (an empty map disables HTTP/2)")
	}
	if srv.ConnState == nil || srv.ConnContext == nil {
		t.Fatal("ConnState or ConnContext not copied")
	}
	srv.ConnState(nil, http.StateNew)
	srv.ConnContext(context.Background(), nil)
	if !connState || !connContext {
		t.Errorf("ConnState or ConnContext is not the template's")
	}
	if srv.ErrorLog != tmpl.ErrorLog {
		t.Errorf("ErrorLog is not the template's")
	}
	ctx := srv.BaseContext(nil)
	if ctx.Value(key{}) != "base" {
		t.Errorf("BaseContext does not carry the template's values")
	}
	cancel()
	seamtest.Recv(t, ctx.Done(), "the template's BaseContext to end with the service's")
	if srv.HTTP2 == tmpl.HTTP2 || srv.HTTP2 == nil || srv.HTTP2.MaxConcurrentStreams != tmpl.HTTP2.MaxConcurrentStreams {
		t.Errorf("HTTP2 = %+v, want a copy of %+v", srv.HTTP2, tmpl.HTTP2)
	}
	if srv.Protocols == tmpl.Protocols || srv.Protocols == nil || *srv.Protocols != *tmpl.Protocols {
		t.Errorf("Protocols = %v, want a copy of %v", srv.Protocols, tmpl.Protocols)
	}
	rec := httptest.NewRecorder()
	srv.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "hello" {
		t.Errorf("Handler answered %q, want the template's %q", rec.Body.String(), "hello")
	}
}

func TestNewServerKnowsEveryField(t *testing.T) {
	// newServer copies http.Server's configuration field by field. When a
	// Go release adds a field, this fails: copy it in newServer (or decide
	// not to), then add it here.
	known := []string{
		"Addr", "Handler", "DisableGeneralOptionsHandler", "TLSConfig",
		"ReadTimeout", "ReadHeaderTimeout", "WriteTimeout", "IdleTimeout",
		"MaxHeaderBytes", "TLSNextProto", "ConnState", "ErrorLog",
		"BaseContext", "ConnContext", "HTTP2", "Protocols",
	}
	typ := reflect.TypeFor[http.Server]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && !slices.Contains(known, f.Name) {
			t.Errorf("http.Server has a field newServer does not know: %s %s", f.Name, f.Type)
		}
	}
}

func TestNewServerWithoutTemplate(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello}
	cfg, err := h.resolve()
	if err != nil {
		t.Fatal(err)
	}
	base, cancel := context.WithCancel(logs.Logger().WithContext(context.Background()))
	defer cancel()
	srv := h.newServer(cfg, base, &inflight{}, logs.Logger())
	if srv.BaseContext(nil) != base {
		t.Error("BaseContext does not return the service's base context")
	}
	srv.ErrorLog.Print("http: test line")
	if line := logs.WaitFor(t, "http: test line"); line["level"] != "warn" {
		t.Errorf("ErrorLog line = %v, want it at warn", line)
	}
}

func TestHTTPTemplateBaseContextEndsWithService(t *testing.T) {
	type key struct{}
	logs := seamtest.NewLogs(t)
	inHandler := make(chan string, 1)
	h := &HTTP{
		Addr:         "127.0.0.1:0",
		Logger:       logs.Logger(),
		DrainTimeout: time.Minute,
		Server: &http.Server{
			BaseContext: func(net.Listener) context.Context {
				return context.WithValue(context.Background(), key{}, "template")
			},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v, _ := r.Context().Value(key{}).(string)
				inHandler <- v
				zerolog.Ctx(r.Context()).Info().Msg("handler logs")
				<-r.Context().Done()
				_, _ = io.WriteString(w, "stopped")
			}),
		},
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()
	replies := make(chan string, 1)
	client := newClient(t, nil)
	go func() {
		resp, err := client.Get(url)
		if err != nil {
			replies <- err.Error()
			return
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		replies <- body.String()
	}()
	if v := seamtest.Recv(t, inHandler, "the handler to run"); v != "template" {
		t.Errorf("request context value = %q, want the template BaseContext's %q", v, "template")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	if reply := seamtest.Recv(t, replies, "the request's context to end with the service's"); reply != "stopped" {
		t.Errorf("reply = %q, want %q", reply, "stopped")
	}
	if err := seamtest.Recv(t, stopped, "Serve to return"); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(t, "handler logs")
}
