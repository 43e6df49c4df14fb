package services

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// switching is the answer to an upgrade to the "lines" protocol: after
// it, both sides exchange newline-terminated lines over the hijacked
// connection, as WebSocket frames would be.
const switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n"

// upgraded is the client's side of a hijacked connection.
type upgraded struct {
	conn net.Conn
	r    *bufio.Reader
}

// upgrade dials addr (over TLS when tlsConfig is set), asks for an
// upgrade to "lines" and checks the 101; the test's cleanup closes the
// connection.
func upgrade(t *testing.T, addr string, tlsConfig *tls.Config) *upgraded {
	t.Helper()
	var conn net.Conn
	var err error
	if tlsConfig != nil {
		conn, err = tls.Dial("tcp", addr, tlsConfig)
	} else {
		conn, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(seamtest.Wait)); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/lines", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "lines")
	if err := req.Write(conn); err != nil {
		t.Fatalf("writing the upgrade: %v", err)
	}
	u := &upgraded{conn: conn, r: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(u.r, req)
	if err != nil {
		t.Fatalf("reading the upgrade's answer: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answered %s, want 101", resp.Status)
	}
	return u
}

// startAndUpgrade starts h, upgrades a connection to it and checks one
// round trip over it.
func startAndUpgrade(t *testing.T, h *HTTP, tlsConfig *tls.Config) (*seamtest.Served, *upgraded) {
	t.Helper()
	s := seamtest.Start(t, h)
	u := upgrade(t, s.Addr.String(), tlsConfig)
	u.roundTrip(t, "ping")
	return s, u
}

// roundTrip sends line and checks that it comes back.
func (u *upgraded) roundTrip(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(u.conn, line+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	if have := u.readLine(t); have != line {
		t.Fatalf("echo = %q, want %q", have, line)
	}
}

func (u *upgraded) readLine(t *testing.T) string {
	t.Helper()
	line, err := u.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return line[:len(line)-1]
}

// closedByPeer checks that the server closed the connection: the next
// read fails at once rather than at the deadline.
func (u *upgraded) closedByPeer(t *testing.T) {
	t.Helper()
	_, err := u.r.ReadString('\n')
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("read after the stop = %v, want the connection closed", err)
	}
}

// echoLines echoes lines on conn until a read or write fails, ignoring
// every context, as a handler that forgot its ctx would.
func echoLines(conn net.Conn, r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := io.WriteString(conn, line); err != nil {
			return
		}
	}
}

// hijackLines hijacks w's connection, through http.ResponseController
// when viaController is set and http.Hijacker otherwise, and answers the
// upgrade.
func hijackLines(t *testing.T, w http.ResponseWriter, viaController bool) (net.Conn, *bufio.Reader) {
	var conn net.Conn
	var brw *bufio.ReadWriter
	var err error
	if viaController {
		conn, brw, err = http.NewResponseController(w).Hijack()
	} else {
		conn, brw, err = w.(http.Hijacker).Hijack()
	}
	if err != nil {
		t.Errorf("hijack: %v", err)
		return nil, nil
	}
	if _, err := io.WriteString(conn, switching); err != nil {
		t.Errorf("writing 101: %v", err)
	}
	return conn, brw.Reader
}

// A hijacked connection's request context ends at the stop, as the other
// requests' do, and the drain waits for the handler that closes it.
func TestHTTPHijackedConnSeesTheStop(t *testing.T) {
	logs := seamtest.NewLogs(t)
	returned := make(chan struct{})
	templateSaw := make(chan http.ConnState, 8)
	h := &HTTP{
		Addr:         "127.0.0.1:0",
		DrainTimeout: time.Minute, // a stop within seamtest.Wait did not wait for it
		Logger:       logs.Logger(),
		// The template's own hook still sees every state.
		Server: &http.Server{ConnState: func(_ net.Conn, state http.ConnState) { templateSaw <- state }},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(returned)
			conn, br := hijackLines(t, w, true)
			if conn == nil {
				return
			}
			defer conn.Close()
			line, _ := br.ReadString('\n')
			_, _ = io.WriteString(conn, line)
			<-r.Context().Done()
			_, _ = io.WriteString(conn, "bye\n")
		}),
	}
	s, u := startAndUpgrade(t, h, nil)
	if have, want := h.LiveWork(), []string{"hijacked conn " + u.conn.LocalAddr().String()}; !slices.Equal(have, want) {
		t.Errorf("LiveWork() = %q, want %q", have, want)
	}

	if have := seamtest.Recv(t, templateSaw, "StateNew"); have != http.StateNew {
		t.Errorf("the template's ConnState saw %v first, want new", have)
	}
	if have := seamtest.Recv(t, templateSaw, "StateActive"); have != http.StateActive {
		t.Errorf("the template's ConnState saw %v second, want active", have)
	}
	if have := seamtest.Recv(t, templateSaw, "StateHijacked"); have != http.StateHijacked {
		t.Errorf("the template's ConnState saw %v third, want hijacked", have)
	}

	s.Cancel()
	if have := u.readLine(t); have != "bye" {
		t.Errorf("after the stop the handler said %q, want bye", have)
	}
	u.closedByPeer(t)
	seamtest.Recv(t, returned, "the handler to return")
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if have := h.LiveWork(); have != nil {
		t.Errorf("LiveWork() after Serve = %q, want nil", have)
	}
	if lines := logs.Events("http drain timed out; closing the remaining connections"); len(lines) != 0 {
		t.Errorf("a drain that ended in time was logged as timed out: %v", lines)
	}
}

// A handler that ignores its context and blocks on the hijacked
// connection is cut off at the drain deadline, and Serve returns.
func TestHTTPForceClosesHijackedConnAtTheDrainDeadline(t *testing.T) {
	for _, tc := range []struct {
		name          string
		viaController bool
		tls           bool
	}{
		{"Hijacker", false, false},
		{"ResponseController", true, false},
		{"TLS", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := seamtest.NewLogs(t)
			returned := make(chan struct{})
			h := &HTTP{
				Addr:         "127.0.0.1:0",
				DrainTimeout: time.Millisecond, // the handler never ends by itself
				Logger:       logs.Logger(),
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer close(returned)
					if conn, br := hijackLines(t, w, tc.viaController); conn != nil {
						echoLines(conn, br)
					}
				}),
			}
			var clientTLS *tls.Config
			if tc.tls {
				var serverTLS *tls.Config
				serverTLS, clientTLS = seamtest.TLS(t)
				h.Server = &http.Server{TLSConfig: serverTLS}
			}
			s, u := startAndUpgrade(t, h, clientTLS)

			if err := s.Stop(); err != nil {
				t.Fatalf("Serve after cancel = %v, want nil", err)
			}
			seamtest.Recv(t, returned, "the handler to return")
			u.closedByPeer(t)
			line := logs.WaitFor(t, "http drain timed out; closing the remaining connections")
			if line["hijacked"] != 1.0 {
				t.Errorf("drain line counts %v hijacked connections closed by force, want 1: %v", line["hijacked"], line)
			}
		})
	}
}

// A handler may return and leave the hijacked connection to a goroutine
// of its own, as WebSocket libraries do: the drain still closes it by
// force, and waits for nothing more when the goroutine closes it first.
func TestHTTPHijackedConnLeftToAGoroutine(t *testing.T) {
	t.Run("closed by force", func(t *testing.T) {
		h, ended := leaveToAGoroutine(t, time.Millisecond, nil, echoLines)
		s, u := startAndUpgrade(t, h, nil)
		if err := s.Stop(); err != nil {
			t.Fatalf("Serve after cancel = %v, want nil", err)
		}
		seamtest.Recv(t, ended, "the connection's goroutine to end")
		u.closedByPeer(t)
	})
	t.Run("closed by its goroutine", func(t *testing.T) {
		logs := seamtest.NewLogs(t)
		// A stop within seamtest.Wait did not wait for the drain's minute.
		h, ended := leaveToAGoroutine(t, time.Minute, logs, func(conn net.Conn, br *bufio.Reader) {
			defer conn.Close()
			line, _ := br.ReadString('\n')
			_, _ = io.WriteString(conn, line)
			logs.WaitFor(t, "http draining")
			_, _ = io.WriteString(conn, "bye\n")
		})
		s, u := startAndUpgrade(t, h, nil)
		if err := s.Stop(); err != nil {
			t.Fatalf("Serve after cancel = %v, want nil", err)
		}
		seamtest.Recv(t, ended, "the connection's goroutine to end")
		if have := u.readLine(t); have != "bye" {
			t.Errorf("the goroutine said %q, want bye", have)
		}
		if lines := logs.Events("http drain timed out; closing the remaining connections"); len(lines) != 0 {
			t.Errorf("a drain that ended in time was logged as timed out: %v", lines)
		}
	})
}

// leaveToAGoroutine returns an HTTP whose handler hijacks the connection,
// hands it to a goroutine running own and returns; ended is closed when
// that goroutine ends.
func leaveToAGoroutine(t *testing.T, drain time.Duration, logs *seamtest.Logs, own func(net.Conn, *bufio.Reader)) (h *HTTP, ended <-chan struct{}) {
	done := make(chan struct{})
	h = &HTTP{
		Addr:         "127.0.0.1:0",
		DrainTimeout: drain,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, br := hijackLines(t, w, true)
			if conn == nil {
				close(done)
				return
			}
			go func() {
				defer close(done)
				own(conn, br)
			}()
		}),
	}
	if logs != nil {
		h.Logger = logs.Logger()
	}
	return h, done
}

// Hijacked connections that were closed leave the set; open ones stay,
// however many come and go.
func TestHijackSetForgetsClosedConns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var s hijackSet
	var open []net.Conn
	for i := range 100 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s.add(c)
		if i%10 == 0 {
			open = append(open, c)
			defer c.Close()
		} else {
			c.Close()
		}
	}
	if have := len(s.open()); have != len(open) {
		t.Errorf("open() holds %d connections, want %d", have, len(open))
	}
	if n := len(s.conns); n > 2*len(open)+16 {
		t.Errorf("the set holds %d connections for %d open ones", n, len(open))
	}
	if have := s.closeAll(); have != len(open) {
		t.Errorf("closeAll() = %d, want %d", have, len(open))
	}
	for _, c := range open {
		if !connClosed(c) {
			t.Errorf("%v still open after closeAll", c.LocalAddr())
		}
	}
}
