package services

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

func TestHTTPServesRequest(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello, Logger: logs.Logger()}
	if have, want := h.String(), "http 127.0.0.1:0"; have != want {
		t.Errorf("String() = %q, want %q", have, want)
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()

	status, body := seamtest.Get(t, newClient(t, nil), url+"/")
	if status != http.StatusOK || body != "hello" {
		t.Fatalf("GET / = %d %q, want 200 %q", status, body, "hello")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	for _, want := range []string{`"level":"info"`, `"service":"http 127.0.0.1:0"`, `"message":"http serving"`, h.BoundAddr().String(), `"message":"http stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestHTTPStopReturnsNilWithoutWaitingForIdleConns(t *testing.T) {
	// A long drain: an idle keep-alive connection must not hold the stop.
	logs := seamtest.NewLogs(t)
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello, DrainTimeout: time.Minute, Logger: logs.Logger()}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()
	if status, _ := seamtest.Get(t, newClient(t, nil), url); status != http.StatusOK {
		t.Fatalf("GET = %d, want 200", status)
	}

	// stop fails the test if Serve takes seamtest.Wait, far less than the drain.
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	refused(t, h.BoundAddr().String())
	if out := logs.String(); strings.Contains(out, `"level":"warn"`) || strings.Contains(out, `"level":"error"`) {
		t.Errorf("a normal stop was logged as a problem:\n%s", out)
	}
}

func TestHTTPDrainFinishesInFlightRequest(t *testing.T) {
	started := make(chan struct{})
	ctxDone := make(chan struct{})
	release := make(chan struct{})
	h := &HTTP{
		Addr:         "127.0.0.1:0",
		DrainTimeout: time.Minute,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done() // the stop reaches the handler...
			close(ctxDone)
			<-release // ...which still finishes the reply in hand.
			_, _ = io.WriteString(w, "finished")
		}),
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()

	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, 1)
	client := newClient(t, nil)
	go func() {
		resp, err := client.Get(url)
		if err != nil {
			results <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		results <- result{resp.StatusCode, string(body), err}
	}()
	seamtest.Recv(t, started, "the handler to start")

	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	seamtest.Recv(t, ctxDone, "the request's context to end after the service's did")
	refused(t, h.BoundAddr().String()) // the socket was closed first
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	default:
	}

	close(release)
	r := seamtest.Recv(t, results, "the in-flight request's reply")
	if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Fatalf("in-flight request = %d %q %v, want 200 %q", r.status, r.body, r.err, "finished")
	}
	seamtest.RecvNil(t, stopped, "Serve to return after the drain")
}

// getInBackground GETs url and reads the whole body on a goroutine of its
// own; the error of either arrives on the channel.
func getInBackground(t *testing.T, url string) <-chan error {
	clientErr := make(chan error, 1)
	client := newClient(t, nil)
	go func() {
		resp, err := client.Get(url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		clientErr <- err
	}()
	return clientErr
}

func TestHTTPDrainTimeoutClosesRemainingConns(t *testing.T) {
	const drain = 200 * time.Millisecond
	started := make(chan struct{})
	handlerErr := make(chan error, 1)
	logs := seamtest.NewLogs(t)
	h := &HTTP{
		Addr:         "127.0.0.1:0",
		Logger:       logs.Logger(),
		DrainTimeout: drain,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// An endless stream that ignores the stop: only closing the
			// connection ends it.
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				if _, err := io.WriteString(w, "tick\n"); err != nil {
					handlerErr <- err
					return
				}
				w.(http.Flusher).Flush()
				if i == 0 {
					close(started)
				}
				<-tick.C
			}
		}),
	}
	s := seamtest.Start(t, h)
	clientErr := getInBackground(t, "http://"+s.Addr.String())
	seamtest.Recv(t, started, "the stream to start")

	// The stream ignores the stop, so only the drain timeout ends it: the
	// warning checked below is that timeout passing before Serve returned.
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after the drain timeout = %v, want nil", err)
	}
	select {
	case err := <-handlerErr:
		if err == nil {
			t.Errorf("the handler's write ended without an error; want the closed connection's")
		}
	default:
		t.Errorf("Serve returned before the handler did")
	}
	if err := seamtest.Recv(t, clientErr, "the client's stream to be cut off"); err == nil {
		t.Errorf("the client read the stream to a clean end; want it cut off")
	}
	if line := logs.WaitFor(t, "http drain timed out"); line["level"] != "warn" {
		t.Errorf("the forced close was logged as %v, want at warn", line)
	}
}

func TestHTTPServeWaitsForHandlersAfterClose(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	logs := seamtest.NewLogs(t)
	h := &HTTP{
		Addr:         "127.0.0.1:0",
		Logger:       logs.Logger(),
		DrainTimeout: 50 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release // ignores its context and its connection
		}),
	}
	s := seamtest.Start(t, h)
	clientErr := getInBackground(t, "http://"+s.Addr.String())
	seamtest.Recv(t, started, "the handler to start")

	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	if err := seamtest.Recv(t, clientErr, "the connection to be closed after the drain timeout"); err == nil {
		t.Fatal("the client got a reply; want the connection closed")
	}
	// The connection is closed; Serve must still wait for the handler.
	logs.WaitFor(t, "http waiting for handlers")
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) while a handler was still running", err)
	default:
	}
	close(release)
	seamtest.RecvNil(t, stopped, "Serve to return")
}

func TestHTTPRestartServesAgain(t *testing.T) {
	lns := make(chan net.Listener, 2)
	h := &HTTP{Name: "web", Addr: "127.0.0.1:0", Handler: hello}
	h.Bind = recordListeners(lns)
	client := newClient(t, nil)

	first := seamtest.Start(t, h)
	url := "http://" + first.Addr.String()
	if status, _ := seamtest.Get(t, client, url); status != http.StatusOK {
		t.Fatalf("GET = %d, want 200", status)
	}
	// The fault: the socket breaks under the running server.
	(<-lns).Close()
	err := first.Wait(t)
	if !errors.Is(err, net.ErrClosed) || !strings.HasPrefix(err.Error(), `services: http "web": serve: `) {
		t.Fatalf("Serve after its socket broke = %v, want a services: error wrapping net.ErrClosed", err)
	}
	if errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("Serve's error %v would stop the supervisor from restarting it", err)
	}

	// What a supervisor does next: Serve the same value again.
	second := seamtest.Go(t, h)
	ln := <-lns
	if have, want := ln.Addr().String(), strings.TrimPrefix(url, "http://"); have != want {
		t.Errorf("restart bound %s, want the first bind's %s", have, want)
	}
	client.Transport.(*http.Transport).CloseIdleConnections()
	if status, body := seamtest.Get(t, client, url); status != http.StatusOK || body != "hello" {
		t.Fatalf("GET after the restart = %d %q, want 200 %q", status, body, "hello")
	}
	if err := second.Stop(); err != nil {
		t.Fatalf("second Serve after cancel = %v, want nil", err)
	}
}

func TestHTTPRestartUnderSupervisor(t *testing.T) {
	lns := make(chan net.Listener, 2)
	h := &HTTP{Name: "web", Addr: "127.0.0.1:0", Handler: hello}
	h.Bind = recordListeners(lns)
	_, ev := startSupervisor(t, h)
	client := newClient(t, nil)

	seamtest.Recv(t, h.Ready(), "the service to be ready")
	url := "http://" + h.BoundAddr().String()
	if status, _ := seamtest.Get(t, client, url); status != http.StatusOK {
		t.Fatalf("GET = %d, want 200", status)
	}
	(<-lns).Close()

	e := seamtest.NextEvent[suture.EventServiceTerminate](t, ev)
	if e.ServiceName != "web" || !e.Restarting {
		t.Errorf("event = %v, want web restarting", e)
	}
	if err, _ := e.Err.(error); !errors.Is(err, net.ErrClosed) {
		t.Errorf("event's error = %v, want one wrapping net.ErrClosed", e.Err)
	}
	seamtest.Recv(t, lns, "the supervisor to restart the service")
	client.Transport.(*http.Transport).CloseIdleConnections()
	if status, body := seamtest.Get(t, client, url); status != http.StatusOK || body != "hello" {
		t.Fatalf("GET after the restart = %d %q, want 200 %q", status, body, "hello")
	}
}

func TestHTTPConfigErrors(t *testing.T) {
	serverTLS, _ := seamtest.TLS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		name string
		h    *HTTP
		want error
	}{
		{"no handler", &HTTP{Addr: "127.0.0.1:0"}, errNoHandler},
		{"no handler in the template either", &HTTP{Addr: "127.0.0.1:0", Server: &http.Server{}}, errNoHandler},
		{"negative DrainTimeout", &HTTP{Addr: "127.0.0.1:0", Handler: hello, DrainTimeout: -time.Second}, supervisor.ErrBadConfig},
		{"Addr and Listener", &HTTP{Addr: "127.0.0.1:0", Listener: ln, Handler: hello}, supervisor.ErrBadConfig},
		{"Bind and Listener", &HTTP{Listener: ln, Handler: hello, Bind: net.Listen}, supervisor.ErrBadConfig},
		{"TLS without a certificate", &HTTP{Addr: "127.0.0.1:0", Server: &http.Server{Handler: hello, TLSConfig: &tls.Config{}}}, supervisor.ErrBadConfig},
		{"valid, for contrast", &HTTP{Addr: "127.0.0.1:0", Server: &http.Server{Handler: hello, TLSConfig: serverTLS}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := seamtest.NewLogs(t)
			tt.h.Logger = logs.Logger()
			bound := false
			tt.h.Bind = func(network, addr string) (net.Listener, error) {
				bound = true
				return nil, errors.New("test: not binding")
			}
			ctx, cancel := context.WithTimeout(context.Background(), seamtest.Wait)
			defer cancel()
			err := tt.h.Serve(ctx)
			if tt.want == nil {
				if errors.Is(err, supervisor.ErrBadConfig) || !bound {
					t.Fatalf("Serve = %v, bound %v; want a bind", err, bound)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatalf("Serve = %v, want an error wrapping %v and suture.ErrDoNotRestart", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "services: ") || strings.Contains(err.Error(), suture.ErrDoNotRestart.Error()) {
				t.Errorf("error text %q: want a services: prefix and no suture text", err)
			}
			if bound {
				t.Errorf("Serve bound a socket despite the bad configuration")
			}
			if !strings.Contains(logs.String(), `"level":"error"`) {
				t.Errorf("the configuration error was not logged at error:\n%s", logs.String())
			}
			if isClosed(tt.h.Ready()) {
				t.Errorf("Ready is closed after a configuration error")
			}
		})
	}
}

func TestHTTPTemplateWinsOverFields(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a free port for the template to bind
	h := &HTTP{
		Addr:    "127.0.0.1:1", // not this one
		Handler: http.NotFoundHandler(),
		Server:  &http.Server{Addr: addr, Handler: hello},
	}
	if have, want := h.String(), "http "+addr; have != want {
		t.Errorf("String() = %q, want %q", have, want)
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()
	if have := h.BoundAddr().String(); have != addr {
		t.Errorf("bound %s, want the template's %s", have, addr)
	}
	if status, body := seamtest.Get(t, newClient(t, nil), url); status != http.StatusOK || body != "hello" {
		t.Errorf("GET = %d %q, want the template handler's 200 %q", status, body, "hello")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPServesTLS(t *testing.T) {
	serverTLS, clientTLS := seamtest.TLS(t)
	h := &HTTP{
		Addr: "127.0.0.1:0",
		Server: &http.Server{
			TLSConfig: serverTLS,
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.TLS == nil {
					http.Error(w, "not TLS", http.StatusBadRequest)
					return
				}
				_, _ = io.WriteString(w, r.Proto)
			}),
		},
	}
	s := seamtest.Start(t, h)
	url := "https://" + s.Addr.String()
	status, body := seamtest.Get(t, newClient(t, clientTLS), url)
	if status != http.StatusOK {
		t.Fatalf("GET over TLS = %d %q, want 200", status, body)
	}
	if len(h.Server.TLSConfig.NextProtos) != 0 {
		t.Errorf("the template's TLSConfig was written to: NextProtos = %q", h.Server.TLSConfig.NextProtos)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// logsOfOneRequest serves handler in an HTTP named name, sends it one
// request, stops it and returns what it logged.
func logsOfOneRequest(t *testing.T, name string, handler http.HandlerFunc) *seamtest.Logs {
	t.Helper()
	logs := seamtest.NewLogs(t)
	h := &HTTP{Name: name, Addr: "127.0.0.1:0", Logger: logs.Logger(), Handler: handler}
	s := seamtest.Start(t, h)
	seamtest.Get(t, newClient(t, nil), "http://"+s.Addr.String())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	return logs
}

func TestHTTPRequestContextCarriesLogger(t *testing.T) {
	logs := logsOfOneRequest(t, "admin", func(w http.ResponseWriter, r *http.Request) {
		zerolog.Ctx(r.Context()).Info().Msg("from the handler")
	})
	if !strings.Contains(logs.String(), `"service":"admin","message":"from the handler"`) {
		t.Errorf("the handler's log line did not go through the service's logger:\n%s", logs.String())
	}
}

func TestHTTPErrorLogGoesToZerolog(t *testing.T) {
	logs := logsOfOneRequest(t, "", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusTeapot) // net/http logs this to ErrorLog
	})
	line := logs.WaitFor(t, "superfluous response.WriteHeader")
	if line["level"] != "warn" || line["source"] != "net/http" {
		t.Errorf("net/http's error log did not reach zerolog at warn:\n%s", logs.String())
	}
}

func TestHTTPHandlerPanicIsLoggedAndCostsOneRequest(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := &HTTP{
		Addr:   "127.0.0.1:0",
		Logger: logs.Logger(),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/panic" {
				panic("handler bug")
			}
			_, _ = io.WriteString(w, "hello")
		}),
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()
	client := newClient(t, nil)
	if resp, err := client.Get(url + "/panic"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /panic = %d, want the connection aborted", resp.StatusCode)
	}
	if status, body := seamtest.Get(t, client, url+"/"); status != http.StatusOK || body != "hello" {
		t.Errorf("GET / after a panic = %d %q, want 200 %q", status, body, "hello")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{`"level":"error"`, `"panic":"handler bug"`, `"path":"/panic"`, `"stack":"goroutine `} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Count(out, "handler bug") != 1 {
		t.Errorf("the panic was logged %d times, want once:\n%s", strings.Count(out, "handler bug"), out)
	}
}

func TestHTTPServesGivenListenerOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &HTTP{Listener: ln, Handler: hello}
	if have, want := h.String(), "http "+ln.Addr().String(); have != want {
		t.Errorf("String() = %q, want %q", have, want)
	}
	s := seamtest.Start(t, h)
	url := "http://" + s.Addr.String()
	if have := h.BoundAddr(); have.String() != ln.Addr().String() {
		t.Errorf("BoundAddr() = %v, want the Listener's %v", have, ln.Addr())
	}
	if status, _ := seamtest.Get(t, newClient(t, nil), url); status != http.StatusOK {
		t.Fatalf("GET = %d, want 200", status)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept on the Listener after Serve = %v, want net.ErrClosed", err)
	}

	err = seamtest.Go(t, h).Wait(t)
	if !errors.Is(err, listener.ErrListenerGone) || errors.Is(err, suture.ErrDoNotRestart) {
		t.Fatalf("second Serve = %v, want an error wrapping listener.ErrListenerGone", err)
	}
}

func TestHTTPReadyBeforeServe(t *testing.T) {
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello}
	ready := h.Ready()
	if h.Ready() != ready {
		t.Error("Ready returned two different channels")
	}
	if h.BoundAddr() != nil {
		t.Errorf("BoundAddr() before Serve = %v, want nil", h.BoundAddr())
	}
	if isClosed(ready) {
		t.Fatal("Ready is closed before Serve")
	}
	s := seamtest.Go(t, h)
	seamtest.Recv(t, ready, "Ready, taken before Serve, to close")
	if h.BoundAddr() == nil {
		t.Error("BoundAddr() is nil once Ready")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPServeWithEndedContext(t *testing.T) {
	h := &HTTP{Addr: "127.0.0.1:0", Handler: hello}
	h.Bind = func(network, addr string) (net.Listener, error) {
		t.Error("Serve bound a socket for a ctx that had already ended")
		return nil, errors.New("test: not binding")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Serve(ctx); err != nil {
		t.Fatalf("Serve(ended ctx) = %v, want nil", err)
	}
}

// recordListeners returns a listen seam that binds for real and sends each
// listener to lns, so a test can break it.
func recordListeners(lns chan<- net.Listener) func(network, addr string) (net.Listener, error) {
	return func(network, addr string) (net.Listener, error) {
		ln, err := net.Listen(network, addr)
		if err == nil {
			lns <- ln
		}
		return ln, err
	}
}

// refused checks that addr refuses connections, as it does once the
// server has closed its socket.
func refused(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, seamtest.Wait)
	if err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections", addr)
	}
}
