//go:build linux

package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// hibernating makes a test server's clients hibernate after a
// millisecond idle.
func hibernating(ln *listener.Server) { ln.HibernateAfter = time.Millisecond }

// waitHibernated waits until n clients are hibernated.
func waitHibernated(t *testing.T, ts *testServer, n int64) {
	t.Helper()
	seamtest.Eventually(t, strconv.FormatInt(n, 10)+" clients to hibernate", func() bool { return ts.ln.Stats().Hibernated == n })
}

// An idle client hibernates and wakes with its state: its name, its
// database, its transaction and its WATCH, and CLIENT LIST shows it
// while it sleeps.
func TestIdleClientHibernatesWithItsState(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating})
	a := ts.dial(t)
	for _, cmd := range [][]string{{"CLIENT", "SETNAME", "sleeper"}, {"SELECT", "3"}, {"SET", "k", "v"}, {"WATCH", "w"}, {"MULTI"}, {"GET", "k"}} {
		do(t, a, cmd...)
	}
	waitHibernated(t, ts, 1)
	b := ts.dial(t)
	if list := do(t, b, "CLIENT", "LIST"); !strings.Contains(list, "name=sleeper") || !strings.Contains(list, "db=3") {
		t.Fatalf("CLIENT LIST does not show the hibernated client as it is:\n%s", list)
	}
	if have := do(t, a, "EXEC"); have != `["v"]` {
		t.Fatalf("EXEC after a hibernation: %s; want [v], the queued GET in database 3", have)
	}
	if have := do(t, a, "CLIENT", "GETNAME"); have != `"sleeper"` {
		t.Fatalf("CLIENT GETNAME after a hibernation: %s", have)
	}
	if st := ts.ln.Stats(); st.Wakes == 0 || st.Hibernations == 0 {
		t.Fatalf("Wakes %d, Hibernations %d; want both above 0", st.Wakes, st.Hibernations)
	}
}

// A WATCHed key written while its watcher sleeps fails the watcher's
// EXEC, as it would awake.
func TestWatchWhileHibernated(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating})
	a := ts.dial(t)
	do(t, a, "WATCH", "w")
	waitHibernated(t, ts, 1)
	b := ts.dial(t)
	do(t, b, "SET", "w", "changed")
	do(t, a, "MULTI")
	do(t, a, "SET", "w", "mine")
	if have := do(t, a, "EXEC"); have != "(nil)" && have != "<nil>" && !strings.Contains(strings.ToLower(have), "nil") {
		t.Fatalf("EXEC after a write to the WATCHed key: %s; want a nil reply", have)
	}
}

// CLIENT KILL closes a hibernated client: it does not sit asleep
// holding its slot.
func TestClientKillOfAHibernatedClient(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating})
	a := ts.dial(t)
	id := strings.TrimPrefix(do(t, a, "CLIENT", "ID"), "(integer) ")
	waitHibernated(t, ts, 1)
	b := ts.dial(t)
	if have := do(t, b, "CLIENT", "KILL", "ID", id); have != "(integer) 1" {
		t.Fatalf("CLIENT KILL ID %s: %s", id, have)
	}
	a.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	if _, err := a.Conn().Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on the killed client: %v; want EOF", err)
	}
	seamtest.Eventually(t, "the killed client to end", func() bool { return ts.ln.Stats().Active == 1 })
	if list := do(t, b, "CLIENT", "LIST"); strings.Contains(list, "id="+id+" ") {
		t.Fatalf("CLIENT LIST still shows the killed client:\n%s", list)
	}
}

// A hibernated subscriber gets what is published, written without
// waking it, and can still unsubscribe.
func TestHibernatedSubscriberReceives(t *testing.T) {
	ts := startPubSub(t, serverOpts{listener: hibernating}, pubsub.Config{})
	s := ts.dial(t)
	do(t, s, "SUBSCRIBE", "news")
	waitHibernated(t, ts, 1)
	wakes := ts.ln.Stats().Wakes
	if n, err := ts.handler.cfg.PubSub.Publish(context.Background(), []byte("news"), []byte("hello")); err != nil || n != 1 {
		t.Fatalf("Publish: %d, %v", n, err)
	}
	s.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	msg, err := s.Receive()
	if err != nil || msg.String() != `["message", "news", "hello"]` {
		t.Fatalf("message to the hibernated subscriber: %v, %v", msg, err)
	}
	if have := ts.ln.Stats().Wakes; have != wakes {
		t.Fatalf("Wakes went from %d to %d: the message woke the subscriber", wakes, have)
	}
	if have := do(t, s, "UNSUBSCRIBE", "news"); have != `["unsubscribe", "news", (integer) 0]` {
		t.Fatalf("UNSUBSCRIBE after a hibernation: %s", have)
	}
}

// A hibernated subscriber gets keyspace events as it gets what is
// published, without being woken: only the writer wakes.
func TestHibernatedSubscriberGetsKeyspaceEvents(t *testing.T) {
	ts := startPubSub(t, serverOpts{listener: hibernating}, pubsub.Config{})
	c, s := ts.dial(t), ts.dial(t)
	do(t, c, "CONFIG", "SET", "notify-keyspace-events", "K$")
	do(t, s, "SUBSCRIBE", "__keyspace@0__:k")
	waitHibernated(t, ts, 2)
	wakes := ts.ln.Stats().Wakes
	do(t, c, "SET", "k", "v")
	s.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	msg, err := s.Receive()
	if err != nil || msg.String() != `["message", "__keyspace@0__:k", "set"]` {
		t.Fatalf("event to the hibernated subscriber: %v, %v", msg, err)
	}
	if have := ts.ln.Stats().Wakes; have != wakes+1 {
		t.Fatalf("Wakes went from %d to %d; want one more, the writer's", wakes, have)
	}
}

// The stop closes hibernated clients without waking them, and the
// handler forgets them: no client is left in its registry or its count.
// A subscriber is forgotten too (its hub may end first and cut it, which
// wakes it: the stop of a test's tree ends the two together).
func TestStopForgetsHibernatedClients(t *testing.T) {
	for _, subscribed := range []bool{false, true} {
		t.Run(fmt.Sprintf("subscribed=%v", subscribed), func(t *testing.T) {
			ts := startPubSub(t, serverOpts{listener: hibernating}, pubsub.Config{})
			plain, other := ts.dial(t), ts.dial(t)
			do(t, plain, "PING")
			if subscribed {
				do(t, other, "SUBSCRIBE", "news")
			} else {
				do(t, other, "MULTI")
			}
			waitHibernated(t, ts, 2)
			wakes := ts.ln.Stats().Wakes // a client may have slept before its first command
			ts.stop()
			for _, c := range []net.Conn{plain.Conn(), other.Conn()} {
				c.SetReadDeadline(time.Now().Add(seamtest.Wait))
				if _, err := io.ReadAll(c); err != nil {
					t.Fatalf("read after the stop: %v; want EOF", err)
				}
			}
			if st := ts.ln.Stats(); !subscribed && st.Wakes != wakes {
				t.Fatalf("Wakes went from %d to %d: the stop woke hibernated clients", wakes, st.Wakes)
			}
			ts.handler.clients.mu.Lock()
			left := len(ts.handler.clients.byID)
			ts.handler.clients.mu.Unlock()
			if left != 0 || ts.handler.active.Load() != 0 {
				t.Fatalf("after the stop: %d clients registered, %d counted; want 0, 0", left, ts.handler.active.Load())
			}
		})
	}
}

// A hibernated subscriber that does not read is cut at its output limit
// as an awake one is: its connection is closed, not left asleep.
func TestHibernatedSubscriberCut(t *testing.T) {
	limits := pubsub.Limits{Hard: 64 << 10, Soft: -1}
	ts := startPubSub(t, serverOpts{listener: hibernating}, pubsub.Config{Limits: limits})
	s := ts.dial(t)
	do(t, s, "SUBSCRIBE", "flood")
	waitHibernated(t, ts, 1)
	hub := ts.handler.cfg.PubSub
	payload := []byte(strings.Repeat("x", 16<<10))
	for n := 0; hub.Cuts() == 0; n++ {
		if n > 100000 {
			t.Fatal("the subscriber was never cut")
		}
		if _, err := hub.Publish(context.Background(), []byte("flood"), payload); err != nil {
			t.Fatal(err)
		}
	}
	seamtest.Eventually(t, "the cut subscriber's connection to end", func() bool { return ts.ln.Stats().Active == 0 })
}

// Many clients woken at once all go back to sleep: a wait that may
// hibernate must not end on a readiness the runtime's poller reports
// late, for bytes already read, or its client would block in a read,
// awake for good.
func TestManyWakesAllSleepAgain(t *testing.T) {
	const clients = 300
	ts := startServer(t, serverOpts{listener: func(ln *listener.Server) { ln.HibernateAfter = 20 * time.Millisecond }})
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	waitHibernated(t, ts, clients)
	for range 3 {
		errs := make(chan error, clients)
		for _, c := range conns {
			go func() {
				c.SetDeadline(time.Now().Add(seamtest.Wait))
				if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
					errs <- err
					return
				}
				b := make([]byte, len("+PONG\r\n"))
				_, err := io.ReadFull(c, b)
				errs <- err
			}()
		}
		for range clients {
			if err := seamtest.Recv(t, errs, "a PONG"); err != nil {
				t.Fatal(err)
			}
		}
		waitHibernated(t, ts, clients)
	}
}

// -timeout goes on counting while a client sleeps: the listener closes
// it asleep, and the handler forgets it.
func TestIdleTimeoutOfAHibernatedClient(t *testing.T) {
	ts := startServer(t, serverOpts{listener: func(ln *listener.Server) {
		ln.HibernateAfter = time.Millisecond
		ln.IdleTimeout = 50 * time.Millisecond
	}})
	c := ts.dial(t)
	do(t, c, "CLIENT", "SETNAME", "dozer")
	c.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	if _, err := c.Conn().Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on the idle client: %v; want EOF", err)
	}
	seamtest.Eventually(t, "the client to be forgotten", func() bool {
		ts.handler.clients.mu.Lock()
		defer ts.handler.clients.mu.Unlock()
		return len(ts.handler.clients.byID) == 0 && ts.handler.active.Load() == 0
	})
	if st := ts.ln.Stats(); st.IdleClosed != 1 {
		t.Fatalf("IdleClosed = %d; want 1", st.IdleClosed)
	}
}

// A blocked client is waiting for a key, not idle: it stays blocked past
// HibernateAfter, its socket watched again each time the watch says the
// connection may hibernate, and the push that comes later serves it.
func TestBlockedClientOutlastsHibernateAfter(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating})
	c := blockedClient(t, ts, "BLPOP", "k", "0")
	// What is tested is that time passes: fifty HibernateAfters.
	time.Sleep(50 * time.Millisecond)
	if n := ts.handler.blocking.count.Load(); n != 1 {
		t.Fatalf("%d clients blocked after HibernateAfter passed, want 1", n)
	}
	do(t, ts.dial(t), "RPUSH", "k", "v")
	if got := reply(t, c); got != `["k", "v"]` {
		t.Fatalf("the blocked client got %s, want [k, v]", got)
	}
}

// TestRESP3AcrossHibernation: a client that chose RESP3 still speaks it
// after its connection hibernated and woke with another Writer, its
// errors still counted; a hibernated RESP3 subscriber gets pushes.
func TestRESP3AcrossHibernation(t *testing.T) {
	ts := startPubSub(t, serverOpts{listener: hibernating}, pubsub.Config{})
	c := ts.dial(t)
	do(t, c, "HELLO", "3")
	do(t, c, "HSET", "h", "f", "v")
	waitHibernated(t, ts, 1)
	if have := do(t, c, "HGETALL", "h"); have != `{"f": "v"}` {
		t.Errorf("HGETALL after a hibernation: %s, want RESP3's map", have)
	}
	v, err := c.Do("GET", "nokey")
	if err != nil || v.Kind != '_' {
		t.Errorf("GET of a missing key after a hibernation: %q %v, want RESP3's null", v.Kind, err)
	}
	waitHibernated(t, ts, 1)
	do(t, c, "GET")
	if have := do(t, c, "INFO", "errorstats"); !strings.Contains(have, "errorstat_ERR:count=1") {
		t.Errorf("an error after a hibernation is not counted:\n%s", have)
	}

	s := ts.dial(t)
	do(t, s, "HELLO", "3")
	do(t, s, "SUBSCRIBE", "news")
	waitHibernated(t, ts, 2)
	if n, err := ts.handler.cfg.PubSub.Publish(context.Background(), []byte("news"), []byte("hello")); err != nil || n != 1 {
		t.Fatalf("Publish: %d, %v", n, err)
	}
	s.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait))
	msg, err := s.Receive()
	if err != nil || msg.String() != `>["message", "news", "hello"]` {
		t.Fatalf("message to the hibernated RESP3 subscriber: %v, %v", msg, err)
	}
}

// A client that connects and sends nothing waits asleep, as kv runs its
// listener (HibernateAtAccept is WaitsForClient), and its first command
// is answered as any first command.
func TestSilentClientWaitsAsleep(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating, atAccept: true})
	a := ts.dial(t)
	waitHibernated(t, ts, 1)
	if st := ts.ln.Stats(); st.Wakes != 0 || st.Active != 1 {
		t.Fatalf("a silent client: Wakes %d, Active %d; want 0, 1", st.Wakes, st.Active)
	}
	if have := do(t, a, "PING"); have != `"PONG"` {
		t.Fatalf("PING from a client born asleep: %s", have)
	}
	if st := ts.ln.Stats(); st.Wakes != 1 {
		t.Fatalf("Wakes %d after the first command; want 1", st.Wakes)
	}
}

// Protected mode's refusal is not put off until a remote client writes:
// WaitsForClient says no for it, so kv tells it DENIED at once, as
// redis-server does, and a silent remote client holds nothing.
func TestSilentRemoteClientDeniedAtOnce(t *testing.T) {
	ts := startServer(t, serverOpts{addr: "0.0.0.0:0", config: protected, listener: hibernating, atAccept: true})
	if have := fromOtherHost(t, ts.addr, ""); have != "-"+errDenied+"\r\n" {
		t.Fatalf("kv answered a silent remote client %q", have)
	}
}

// A client born asleep is counted in connected_clients, as redis-server
// counts a client that has yet to send a command.
func TestSilentClientIsConnected(t *testing.T) {
	ts := startServer(t, serverOpts{listener: hibernating, atAccept: true})
	ts.dial(t)
	waitHibernated(t, ts, 1)
	b := ts.dial(t)
	if have := do(t, b, "INFO", "clients"); !strings.Contains(have, `connected_clients:2\r\n`) {
		t.Fatalf("INFO clients with a silent client and the asking one:\n%s", have)
	}
}
