package listener

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/thejerf/suture/v4"
)

// panicky echoes, but panics on the line "panic" instead of answering it.
func panicky(ctx context.Context, c net.Conn) error { return echo(ctx, panicOnWrite{c}) }

// panicOnWrite is a connection whose Write of the line "panic" panics.
type panicOnWrite struct{ net.Conn }

func (c panicOnWrite) Write(p []byte) (int, error) {
	if strings.TrimSpace(string(p)) == "panic" {
		panic("handler bug")
	}
	return c.Conn.Write(p)
}

// A handler panic is recovered and logged with its stack and
// the connection's fields; it closes only that connection; it neither
// restarts anything nor counts against any restart intensity, however
// many connections panic.
func TestHandlerPanicCostsOnlyItsConnection(t *testing.T) {
	logs := seamtest.NewLogs(t)
	s := &Server{Addr: "127.0.0.1:0", Handler: HandlerFunc(panicky), Logger: logs.Logger()}
	var events []suture.Event
	parent := suture.New("app", suture.Spec{
		FailureThreshold: 1,
		EventHook:        func(e suture.Event) { events = append(events, e) },
	})
	parent.Add(s)
	ctx, cancel := context.WithCancel(context.Background())
	done := parent.ServeBackground(ctx)
	stopParent := sync.OnceFunc(func() { cancel(); <-done })
	defer stopParent()
	<-s.Ready()
	addr := s.BoundAddr().String()

	bystander, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close()
	seamtest.WantEcho(t, bystander, "before")

	const panics = 20 // far over any restart intensity
	for i := 0; i < panics; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		seamtest.WantEcho(t, c, "hi")
		io.WriteString(c, "panic\n")
		expectClosed(t, c)
		c.Close()
	}
	seamtest.WantEcho(t, bystander, "after")
	fresh, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	seamtest.WantEcho(t, fresh, "fresh")

	if st := s.Stats(); st.Panics != panics || st.AcceptorRestarts != 0 {
		t.Fatalf("stats = %+v; want %d panics and no restart", st, panics)
	}
	logged := logs.Events("handler panicked")
	if len(logged) != panics {
		t.Fatalf("%d panics logged; want %d", len(logged), panics)
	}
	e := logged[0]
	if e["level"] != "error" || e["panic"] != "handler bug" ||
		!strings.Contains(e["stack"].(string), "panicky") || e["remote"] == nil || e["conn"] == nil {
		t.Fatalf("panic log lacks level, message, stack or connection fields: %v", e)
	}
	for _, e := range logs.Events("") {
		if lvl := e["level"]; (lvl == "error" || lvl == "warn") && e["message"] != "handler panicked; connection closed" {
			t.Errorf("a panic reached the listener's supervisors: %v", e)
		}
	}
	stopParent()
	for _, ev := range events {
		if ev.Type() != suture.EventTypeStopTimeout {
			t.Errorf("the parent supervisor saw %v", ev)
		}
	}
}

// The handler's ctx carries a logger with the connection's id
// and its remote and local addresses.
func TestHandlerCtxCarriesConnectionLogger(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		zerolog.Ctx(ctx).Info().Msg("hello from the handler")
		_, err := io.WriteString(c, "ok\n")
		return err
	})
	s := &Server{Name: "greeter", Addr: "127.0.0.1:0", Handler: h, Logger: logs.Logger()}
	addr := seamtest.Start(t, s).Addr
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "ok\n" {
		t.Fatalf("reply %q, %v", line, err)
	}
	logged := logs.Events("hello from the handler")
	if len(logged) != 1 {
		t.Fatalf("handler log lines: %v", logged)
	}
	e := logged[0]
	if e["remote"] != c.LocalAddr().String() || e["local"] != c.RemoteAddr().String() ||
		e["conn"] != float64(1) || e["listener"] != "greeter" {
		t.Fatalf("handler log fields = %v", e)
	}
}

// A handler's error is logged at debug level with the connection's
// fields; the echo of the connection ending (io.EOF) is not.
func TestHandlerErrorIsLoggedAtDebug(t *testing.T) {
	logs := seamtest.NewLogs(t)
	h := HandlerFunc(func(ctx context.Context, c net.Conn) error {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err // io.EOF: the client left
		}
		return errors.New("bad request " + strings.TrimSpace(line))
	})
	s := &Server{Addr: "127.0.0.1:0", Handler: h, Logger: logs.Logger()}
	freed := slotEvents(s)
	addr := seamtest.Start(t, s).Addr
	for _, send := range []string{"x\n", ""} {
		c := seamtest.Dial(t, addr)
		io.WriteString(c, send)
		c.Close()
		seamtest.Recv(t, freed, "the connection to end")
	}
	logged := logs.Events("handler returned an error")
	if len(logged) != 1 {
		t.Fatalf("%d lines for one error and one EOF: %v", len(logged), logs.Events(""))
	}
	if e := logged[0]; e["level"] != "debug" || e["error"] != "bad request x" || e["conn"] != float64(1) || e["remote"] == nil {
		t.Fatalf("the handler's error was logged as %v", e)
	}
}
