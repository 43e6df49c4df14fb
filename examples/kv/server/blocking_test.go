package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// blockingScript exercises the blocking commands where they need not
// block (a key holds something, or inside MULTI), their non-blocking kin
// and their errors, against redis-server's replies. The timeouts of the
// few that do wait are a hundredth of a second: their null reply is the
// behaviour checked.
var blockingScript = []string{
	"RPUSH l a b c d e", "BLPOP none l 0", "BRPOP l 0", "BLPOP l 1.5", "LRANGE l 0 -1",
	"BLPOP none 0.01", "BRPOP none1 none2 0.01", "BLPOP l -1", "BLPOP l x", "BLPOP l nan", "BLPOP l 1e400",
	"SET s x", "BLPOP none s 0", "BLPOP l s 0", "BZPOPMIN s 0", "BLMOVE s l LEFT LEFT 0",
	"RPUSH src 1 2 3", "BLMOVE src dst LEFT RIGHT 0", "BLMOVE src dst RIGHT LEFT 0", "LRANGE dst 0 -1",
	"BLMOVE src dst UP LEFT 0", "BLMOVE src dst LEFT LEFT -1", "BLMOVE src s LEFT LEFT 0", "BLMOVE none dst LEFT LEFT 0.01",
	"BRPOPLPUSH src dst 0", "BRPOPLPUSH src dst 0.01", "LRANGE dst 0 -1", "EXISTS src",
	"RPUSH r 1 2 3", "LMOVE r r LEFT RIGHT", "LRANGE r 0 -1", "RPOPLPUSH r r2", "RPOPLPUSH none r2", "LMOVE r s LEFT LEFT", "LMOVE r r2 LEFT MIDDLE",
	"RPUSH m 1 2 3 4", "LMPOP 2 none m LEFT", "LMPOP 2 none m RIGHT COUNT 2", "LMPOP 1 m LEFT COUNT 10", "LMPOP 1 m LEFT",
	"LMPOP 0 m LEFT", "LMPOP -1 m LEFT", "LMPOP x m LEFT", "LMPOP 3 m LEFT", "LMPOP 1 m UP", "LMPOP 1 m LEFT COUNT 0",
	"LMPOP 1 m LEFT COUNT x", "LMPOP 1 m LEFT COUNT 1 COUNT 1", "LMPOP 1 m LEFT COUNT", "LMPOP 1 s LEFT",
	"RPUSH m 1 2 3", "BLMPOP 0 1 m LEFT COUNT 2", "BLMPOP 0 2 none m RIGHT", "BLMPOP 0.01 1 none LEFT", "BLMPOP -1 1 m LEFT",
	"BLMPOP x 1 m LEFT", "BLMPOP 0 0 m LEFT", "BLMPOP x 0 m LEFT", "BLMPOP 0 1 m LEFT COUNT -2",
	"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZPOPMAX z", "ZPOPMAX z 2", "ZPOPMAX none", "ZPOPMAX z x", "ZPOPMAX s",
	"BZPOPMIN none z 0", "BZPOPMAX z 0", "BZPOPMIN none 0.01", "BZPOPMAX z -1", "BZPOPMIN z s 0",
	"ZADD z 1 a 2 b 3 c", "ZMPOP 1 z MIN", "ZMPOP 2 none z MAX COUNT 5", "ZMPOP 1 z MIN", "ZMPOP 1 z LEFT", "ZMPOP 0 z MIN",
	"ZADD z 1 a 2 b 3 c", "BZMPOP 0 1 z MAX COUNT 2", "BZMPOP 0.01 1 none MIN", "BZMPOP 0 1 z MIN COUNT 0", "BZMPOP 0 1 s MIN",
	"MULTI", "BLPOP none 0", "BRPOP none 0", "BLMOVE none dst LEFT LEFT 0", "BRPOPLPUSH none dst 0", "BLMPOP 0 1 none LEFT",
	"BZPOPMIN none 0", "BZPOPMAX none 0", "BZMPOP 0 1 none MIN", "RPUSH q x", "BLPOP q 0", "EXEC",
	"CLIENT UNBLOCK 999999", "CLIENT UNBLOCK 999999 TIMEOUT", "CLIENT UNBLOCK 999999 ERROR", "CLIENT UNBLOCK 999999 LATER", "CLIENT UNBLOCK x",
}

func TestBlockingSideBySide(t *testing.T) { sideBySide(t, blockingScript) }

// blockedClient sends a blocking command on a connection of its own and
// waits until the server counts one more blocked client.
func blockedClient(t *testing.T, ts *testServer, args ...string) *respclient.Client {
	t.Helper()
	c := ts.dial(t)
	before := ts.handler.blocking.count.Load()
	c.Send(args...)
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	seamtest.Eventually(t, "the client to block on "+strings.Join(args, " "), func() bool {
		return ts.handler.blocking.count.Load() == before+1
	})
	return c
}

// reply reads the next reply of c, which a blocked client awaits.
func reply(t *testing.T, c *respclient.Client) string {
	t.Helper()
	if err := c.Conn().SetReadDeadline(time.Now().Add(seamtest.Wait)); err != nil {
		t.Fatal(err)
	}
	v, err := c.Receive()
	if err != nil {
		t.Fatal(err)
	}
	return v.String()
}

// Clients blocked on a key are served in the order they blocked, by the
// write that makes the key servable, before that write's own reply: its
// client then sees the key emptied by their pops.
func TestBlockedServedInArrivalOrder(t *testing.T) {
	ts := startServer(t, serverOpts{})
	first := blockedClient(t, ts, "BLPOP", "k", "0")
	second := blockedClient(t, ts, "BLPOP", "other", "k", "0")
	third := blockedClient(t, ts, "BRPOP", "k", "0")
	pusher := ts.dial(t)
	if got := do(t, pusher, "RPUSH", "k", "a", "b", "c"); got != "(integer) 3" {
		t.Fatal(got)
	}
	if got := do(t, pusher, "EXISTS", "k"); got != "(integer) 0" {
		t.Fatalf("EXISTS k after the push that served three clients: %s", got)
	}
	for _, w := range []struct {
		c    *respclient.Client
		want string
	}{{first, `["k", "a"]`}, {second, `["k", "b"]`}, {third, `["k", "c"]`}} {
		if got := reply(t, w.c); got != w.want {
			t.Errorf("have %s, want %s", got, w.want)
		}
	}
	if n := ts.handler.blocking.count.Load(); n != 0 {
		t.Fatalf("%d clients still blocked", n)
	}
}

// A client blocked on several keys is served from the first that a write
// makes servable, and only once.
func TestBlockedOnSeveralKeys(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := blockedClient(t, ts, "BZPOPMIN", "z1", "z2", "z3", "0")
	other := ts.dial(t)
	do(t, other, "ZADD", "z3", "1", "m")
	if got := reply(t, c); got != `["z3", "m", "1"]` {
		t.Fatal(got)
	}
	do(t, other, "ZADD", "z2", "1", "m")
	if got := do(t, other, "ZCARD", "z2"); got != "(integer) 1" {
		t.Fatalf("a served client took from a second key: ZCARD z2 = %s", got)
	}
}

// The timeout ends the wait with a null array; INFO counts blocked
// clients meanwhile.
func TestBlockedTimeout(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	if got := do(t, c, "BLPOP", "k", "0.01"); got != "(nil)" {
		t.Fatal(got)
	}
	blockedClient(t, ts, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
	if got := do(t, c, "INFO", "clients"); !strings.Contains(got, "blocked_clients:1") {
		t.Fatalf("INFO clients with one client blocked: %s", got)
	}
}

// CLIENT UNBLOCK ends a wait as a timeout would, or with an -UNBLOCKED
// error; CLIENT LIST shows the blocked client's flag and command.
func TestClientUnblock(t *testing.T) {
	ts := startServer(t, serverOpts{})
	admin := ts.dial(t)
	for _, tc := range []struct{ how, want string }{
		{"TIMEOUT", "(nil)"},
		{"ERROR", "(error) UNBLOCKED client unblocked via CLIENT UNBLOCK"},
		{"", "(nil)"},
	} {
		c := blockedClient(t, ts, "BZMPOP", "0", "1", "z", "MIN")
		list := do(t, admin, "CLIENT", "LIST")
		if !strings.Contains(list, "flags=b db=0 sub=0 psub=0 multi=-1 cmd=bzmpop") {
			t.Fatalf("CLIENT LIST with a client blocked:\n%s", list)
		}
		args := []string{"CLIENT", "UNBLOCK", blockedID(t, list)}
		if tc.how != "" {
			args = append(args, tc.how)
		}
		if got := do(t, admin, args...); got != "(integer) 1" {
			t.Fatalf("%q: %s", args, got)
		}
		if got := reply(t, c); got != tc.want {
			t.Fatalf("%q: the blocked client got %s, want %s", args, got, tc.want)
		}
		if got := do(t, admin, args...); got != "(integer) 0" {
			t.Fatalf("%q again: %s", args, got)
		}
	}
}

// blockedID is the id of the blocked client in a CLIENT LIST reply.
func blockedID(t *testing.T, list string) string {
	t.Helper()
	for _, line := range strings.Split(list, `\n`) {
		if strings.Contains(line, "flags=b ") {
			id, _, _ := strings.Cut(strings.TrimPrefix(strings.Trim(line, `"`), "id="), " ")
			return id
		}
	}
	t.Fatalf("no blocked client in CLIENT LIST:\n%s", list)
	return ""
}

// A key that holds another kind does not serve a client blocked on it,
// which stays blocked, as in Redis 7.0; once the key is a list again, the
// client is served.
func TestBlockedKeyOfAnotherKind(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := blockedClient(t, ts, "BLPOP", "k", "0")
	other := ts.dial(t)
	do(t, other, "SET", "k", "string")
	do(t, other, "FLUSHALL")
	do(t, other, "SET", "k", "string")
	do(t, other, "ZADD", "k2", "1", "m")
	do(t, other, "RENAME", "k2", "k")
	if n := ts.handler.blocking.count.Load(); n != 1 {
		t.Fatalf("%d clients blocked after writes of other kinds, want 1", n)
	}
	do(t, other, "DEL", "k")
	do(t, other, "LPUSH", "k", "v")
	if got := reply(t, c); got != `["k", "v"]` {
		t.Fatal(got)
	}
}

// The pushes of a transaction serve blocked clients after EXEC, from
// what the whole transaction left: Redis's "MULTI/EXEC is isolated from
// the point of view of BLPOP".
func TestBlockedServedAfterExec(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := blockedClient(t, ts, "BLPOP", "l", "0")
	other := ts.dial(t)
	for _, args := range [][]string{{"MULTI"}, {"LPUSH", "l", "a"}, {"LPUSH", "l", "b"}, {"LPUSH", "l", "c"}} {
		do(t, other, args...)
	}
	if got := do(t, other, "EXEC"); got != "[(integer) 1, (integer) 2, (integer) 3]" {
		t.Fatalf("EXEC: %s", got)
	}
	if got := reply(t, c); got != `["l", "c"]` {
		t.Fatal(got)
	}
}

// A client blocked by BLMOVE is served, and its push serves in turn the
// client blocked on its destination; both moves are journalled as Redis
// propagates them, and replay to the same lists.
func TestBlockedMoveChainReplays(t *testing.T) {
	path := replayAfter(t, func(ts *testServer, _ *aof.Writer, other *respclient.Client) {
		mover := blockedClient(t, ts, "BLMOVE", "src", "mid", "RIGHT", "LEFT", "0")
		popper := blockedClient(t, ts, "BRPOPLPUSH", "mid", "dst", "0")
		zpop := blockedClient(t, ts, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "2")
		lpop := blockedClient(t, ts, "BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "5")
		do(t, other, "RPUSH", "src", "a", "b")
		do(t, other, "ZADD", "z", "1", "x", "2", "y", "3", "z")
		do(t, other, "RPUSH", "l", "1", "2", "3")
		for _, w := range []struct {
			c    *respclient.Client
			want string
		}{{mover, `"b"`}, {popper, `"b"`}, {zpop, `["z", [["z", "3"], ["y", "2"]]]`}, {lpop, `["l", ["3", "2", "1"]]`}} {
			if got := reply(t, w.c); got != w.want {
				t.Errorf("have %s, want %s", got, w.want)
			}
		}
		if got := do(t, other, "LRANGE", "dst", "0", "-1"); got != `["b"]` {
			t.Fatalf("the chain did not reach dst: %s", got)
		}
	}, dumpKeys)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"LMOVE", "RPOPLPUSH", "ZPOPMAX", "RPOP"} {
		if !bytes.Contains(file, []byte("\r\n"+want+"\r\n")) {
			t.Errorf("no %s in the file", want)
		}
	}
	for _, never := range []string{"BLMOVE", "BRPOPLPUSH", "BZMPOP", "BLMPOP"} {
		if bytes.Contains(bytes.ToUpper(file), []byte(never)) {
			t.Errorf("%s in the file: a blocking command is journalled as the pop it made", never)
		}
	}
}

// The blocking commands that find something at once, and their kin, are
// journalled and replay.
func TestBlockingReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"RPUSH", "l", "a", "b", "c", "d", "e", "f"}, {"BLPOP", "none", "l", "0"}, {"BRPOP", "l", "0"},
		{"BLMOVE", "l", "m", "LEFT", "RIGHT", "0"}, {"BRPOPLPUSH", "l", "m", "0"}, {"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "1"},
		{"LMOVE", "m", "m", "LEFT", "RIGHT"}, {"RPOPLPUSH", "m", "n"}, {"LMPOP", "1", "m", "RIGHT"},
		{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}, {"BZPOPMIN", "z", "0"}, {"BZPOPMAX", "z", "0"},
		{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "1"}, {"ZMPOP", "1", "z", "MAX"}, {"ZPOPMAX", "z"},
	}, dumpKeys)
}

// A client served by a pop touches the keys the pop changed for WATCH,
// not the others it was blocked on.
func TestBlockedWatch(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := blockedClient(t, ts, "BLPOP", "k1", "k2", "0")
	w := ts.dial(t)
	do(t, w, "WATCH", "k1")
	pusher := ts.dial(t)
	do(t, pusher, "RPUSH", "k2", "v")
	if got := reply(t, c); got != `["k2", "v"]` {
		t.Fatal(got)
	}
	do(t, w, "MULTI")
	do(t, w, "PING")
	if got := do(t, w, "EXEC"); got != `["PONG"]` {
		t.Fatalf("EXEC watching k1, which the served client did not pop: %s", got)
	}
	do(t, pusher, "RPUSH", "k1", "v")
	c = blockedClient(t, ts, "BLPOP", "k3", "0")
	do(t, w, "WATCH", "k3")
	do(t, pusher, "RPUSH", "k3", "v")
	reply(t, c)
	do(t, w, "MULTI")
	do(t, w, "PING")
	if got := do(t, w, "EXEC"); got != "(nil)" {
		t.Fatalf("EXEC watching k3, which a push and a pop changed: %s", got)
	}
}

// SWAPDB serves the clients blocked on keys the swap brings.
func TestBlockedSwapDB(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := blockedClient(t, ts, "BLPOP", "k", "0")
	other := ts.dial(t)
	do(t, other, "SELECT", "1")
	do(t, other, "RPUSH", "k", "from db 1")
	do(t, other, "SWAPDB", "0", "1")
	if got := reply(t, c); got != `["k", "from db 1"]` {
		t.Fatal(got)
	}
}

// Commands pipelined behind a blocking command wait for it, and run once
// it is served, in order.
func TestBlockedPipeline(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	c.Send("BLPOP", "k", "0")
	c.Send("PING")
	c.Send("LLEN", "k")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	seamtest.Eventually(t, "the client to block", func() bool { return ts.handler.blocking.count.Load() == 1 })
	do(t, ts.dial(t), "RPUSH", "k", "a", "b")
	for _, want := range []string{`["k", "a"]`, `"PONG"`, "(integer) 1"} {
		if got := reply(t, c); got != want {
			t.Fatalf("have %s, want %s", got, want)
		}
	}
}

// A blocked client that hangs up, or is killed, is forgotten: a later
// push is not taken on its behalf.
//
// So it is under the listener's idle layer too, as kv runs (hibernation,
// -timeout): the wait watches the socket beneath it.
func TestBlockedClientLeaves(t *testing.T) {
	for _, layer := range []struct {
		name string
		set  func(*listener.Server)
	}{
		{"plain", nil},
		{"HibernateAfter", func(ln *listener.Server) { ln.HibernateAfter = time.Hour }},
		{"IdleTimeout", func(ln *listener.Server) { ln.IdleTimeout = time.Hour }},
	} {
		t.Run(layer.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{listener: layer.set})
			other := ts.dial(t)
			for _, leave := range []func(c *respclient.Client){
				func(c *respclient.Client) { c.Close() },
				func(c *respclient.Client) {
					do(t, other, "CLIENT", "KILL", "ID", blockedID(t, do(t, other, "CLIENT", "LIST")))
				},
			} {
				c := blockedClient(t, ts, "BLPOP", "k", "0")
				leave(c)
				seamtest.Eventually(t, "the blocked client to be forgotten", func() bool {
					return ts.handler.blocking.count.Load() == 0
				})
				do(t, other, "RPUSH", "k", "kept")
				if got := do(t, other, "LPOP", "k"); got != `"kept"` {
					t.Fatalf("LPOP after a push with no client left blocked: %s", got)
				}
			}
		})
	}
}

// At the listener's stop a blocked client is answered as at a timeout and
// its connection closed, without waiting for the drain's deadline.
func TestBlockedAtStop(t *testing.T) {
	ts := startServer(t, serverOpts{drain: time.Hour})
	c := blockedClient(t, ts, "BLPOP", "k", "0")
	stopped := make(chan struct{})
	go func() {
		ts.stop()
		close(stopped)
	}()
	if got := reply(t, c); got != "(nil)" {
		t.Fatalf("a blocked client at stop got %s, want a null array", got)
	}
	if _, err := c.Receive(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the reply at stop: %v, want EOF", err)
	}
	seamtest.Recv(t, stopped, "the server to stop before its drain deadline")
}

// A blocked client holds no worker of the stack pool: while many wait,
// no goroutine is running a burst.
func TestBlockedHoldsNoWorker(t *testing.T) {
	ts := startServer(t, serverOpts{})
	var cs []*respclient.Client
	for range 20 {
		cs = append(cs, blockedClient(t, ts, "BLPOP", "k", "0"))
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if n := strings.Count(stacks, "runBurst"); n != 0 {
		t.Fatalf("%d goroutines in a burst while 20 clients are blocked", n)
	}
	other := ts.dial(t)
	for range cs {
		do(t, other, "RPUSH", "k", "v")
	}
	for _, c := range cs {
		if got := reply(t, c); got != `["k", "v"]` {
			t.Fatal(got)
		}
	}
}

// redis-cli, a real client, blocks and is served.
func TestBlockedRedisCLI(t *testing.T) {
	cli := lookPath(t, "redis-cli")
	ts := startServer(t, serverOpts{})
	host, port := hostPort(t, ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan string, 1)
	go func() {
		b, err := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "BRPOP", "jobs", "0").CombinedOutput()
		if err != nil {
			b = append(b, err.Error()...)
		}
		out <- string(b)
	}()
	seamtest.Eventually(t, "redis-cli to block", func() bool { return ts.handler.blocking.count.Load() == 1 })
	do(t, ts.dial(t), "LPUSH", "jobs", "job1")
	if got := seamtest.Recv(t, out, "redis-cli's reply"); got != "jobs\njob1\n" {
		t.Fatalf("redis-cli: %q", got)
	}
}

// A client blocked by BLMOVE whose destination holds another kind when
// its source gets an element is answered WRONGTYPE and unblocked, the
// element left in the source, as Redis 7.0 does.
func TestBlockedMoveWrongDestination(t *testing.T) {
	ts := startServer(t, serverOpts{})
	other := ts.dial(t)
	do(t, other, "SET", "dst", "string")
	c := blockedClient(t, ts, "BRPOPLPUSH", "src", "dst", "0")
	do(t, other, "RPUSH", "src", "a", "b", "c")
	if got := reply(t, c); !strings.HasPrefix(got, "(error) WRONGTYPE") {
		t.Fatalf("have %s, want WRONGTYPE", got)
	}
	if got := do(t, other, "LRANGE", "src", "0", "-1"); got != `["a", "b", "c"]` {
		t.Fatalf("src after the failed move: %s", got)
	}
	if n := ts.handler.blocking.count.Load(); n != 0 {
		t.Fatalf("%d clients still blocked", n)
	}
}

// A socket closed under a blocked client by the server, as the drain's
// force-close closes it, ends the wait and the connection's ServeConn.
func TestBlockedSocketClosed(t *testing.T) {
	conns := make(chan net.Conn, 1)
	ended := make(chan error, 1)
	ts := startServer(t, serverOpts{wrap: func(h listener.Handler) listener.Handler {
		return listener.HandlerFunc(func(ctx context.Context, nc net.Conn) error {
			conns <- nc
			err := h.ServeConn(ctx, nc)
			ended <- err
			return err
		})
	}})
	blockedClient(t, ts, "BLPOP", "k", "0")
	nc := seamtest.Recv(t, conns, "the blocked client's connection")
	if err := nc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := seamtest.Recv(t, ended, "ServeConn to return"); err != nil {
		t.Fatalf("ServeConn after its socket was closed: %v", err)
	}
	if n := ts.handler.blocking.count.Load(); n != 0 {
		t.Fatalf("%d clients blocked after the socket closed", n)
	}
}

// A TLS client, whose bursts run on its connection's goroutine, blocks,
// is served, and at the stop is answered as at a timeout.
func TestBlockedOverTLS(t *testing.T) {
	serverTLS, clientTLS := seamtest.TLS(t)
	ts := startServer(t, serverOpts{drain: time.Hour, listener: func(ln *listener.Server) { ln.TLSConfig = serverTLS }})
	dial := func() *respclient.Client {
		nc, err := tls.Dial("tcp", ts.addr, clientTLS)
		if err != nil {
			t.Fatal(err)
		}
		c := respclient.New(nc)
		t.Cleanup(func() { c.Close() })
		return c
	}
	c, other := dial(), dial()
	for _, step := range []struct {
		do   func()
		want string
	}{
		{func() { do(t, other, "RPUSH", "k", "v") }, `["k", "v"]`},
		{ts.stop, "(nil)"},
	} {
		c.Send("BLPOP", "k", "0")
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		seamtest.Eventually(t, "the TLS client to block", func() bool { return ts.handler.blocking.count.Load() == 1 })
		step.do()
		if got := reply(t, c); got != step.want {
			t.Fatalf("the TLS client got %s, want %s", got, step.want)
		}
	}
}

// An LMOVE made while a rewrite runs, between shards already dumped,
// reaches the new file through the rewrite's tail; so do the pops the
// blocking commands journal.
func TestMoveDuringRewrite(t *testing.T) {
	checkRewriteReplay(t, [][]string{{"RPUSH", "src", "a", "b", "c", "d", "e"}, {"RPUSH", "r", "1", "2", "3"}, {"ZADD", "z", "1", "x", "2", "y"}}, [][]string{
		{"LMOVE", "src", "dst", "LEFT", "RIGHT"}, {"RPOPLPUSH", "src", "dst"}, {"LMOVE", "r", "r", "RIGHT", "LEFT"},
		{"BLMOVE", "src", "new", "RIGHT", "LEFT", "0"}, {"BZPOPMAX", "z", "0"}, {"BLPOP", "r", "0"},
	})
}

// A blocked client is not idle: -timeout does not close it, as in Redis,
// and the push that comes after the timeout would have passed serves it.
func TestBlockedClientOutlastsIdleTimeout(t *testing.T) {
	// Long enough for a client to send its first command after dialling
	// on a loaded machine; the blocked one then outlasts it five times.
	const idle = 100 * time.Millisecond
	ts := startServer(t, serverOpts{listener: func(ln *listener.Server) { ln.IdleTimeout = idle }})
	c := blockedClient(t, ts, "BLPOP", "k", "0")
	// What is tested is that time passes.
	time.Sleep(5 * idle)
	if n := ts.handler.blocking.count.Load(); n != 1 {
		t.Fatalf("%d clients blocked after the idle timeout passed, want 1", n)
	}
	do(t, ts.dial(t), "RPUSH", "k", "v")
	if got := reply(t, c); got != `["k", "v"]` {
		t.Fatalf("the blocked client got %s, want [k, v]", got)
	}
}
