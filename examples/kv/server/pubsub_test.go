package server

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/listener/seamtest"
)

var pubsubFull = flag.Bool("pubsub.full", false, "run the pub/sub load test at full size (1,000 subscribers x 10,000 messages in all) even under -race")

// startPubSub runs a server with a pub/sub hub and waits for the hub.
func startPubSub(t *testing.T, o serverOpts, cfg pubsub.Config) *testServer {
	t.Helper()
	o.hub = pubsub.NewHub(cfg)
	ts := startServer(t, o)
	select {
	case <-o.hub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("hub not ready")
	}
	return ts
}

// rawConn is a client that reads pub/sub frames line by line, cheaply
// enough for the load test.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{Conn: nc, r: bufio.NewReaderSize(nc, 64<<10)}
}

func (c *rawConn) send(args ...string) error {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	_, err := c.Write(b)
	return err
}

// frame reads one reply: an array of bulks and integers as strings, or a
// single value.
func (c *rawConn) frame() ([]string, error) {
	line, err := c.line()
	if err != nil {
		return nil, err
	}
	if line[0] != '*' {
		return []string{line}, nil
	}
	n, _ := strconv.Atoi(line[1:])
	out := make([]string, n)
	for i := range out {
		h, err := c.line()
		if err != nil {
			return nil, err
		}
		if h[0] != '$' || h == "$-1" {
			out[i] = h
			continue
		}
		if out[i], err = c.line(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *rawConn) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return string(bytes.TrimRight(b, "\r\n")), nil
}

// transcript sends script on one connection, then QUIT, and returns
// everything the server wrote until it closed the connection.
func transcript(t *testing.T, addr, script string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, script+"QUIT\r\n"); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The replies, push frames and errors of the pub/sub commands, byte for
// byte as Redis 7 answers them over RESP2.
const pubsubScript = "PUBSUB NUMPAT\r\nPUBSUB CHANNELS\r\nPUBSUB NUMSUB a b\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\n" +
	"SUBSCRIBE a b\r\nPING\r\nPING hi\r\nGET x\r\nget\r\nPUBLISH a x\r\nFOO\r\nSUBSCRIBE\r\nPSUBSCRIBE h*\r\n" +
	"PUBSUB NUMSUB a\r\nUNSUBSCRIBE a zz\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nPING\r\nPUBSUB FOO\r\nPUBSUB\r\n" +
	"PUBSUB CHANNELS a b\r\nPUBSUB NUMPAT x\r\nPUBLISH a\r\nPUBLISH nobody x\r\n"

func TestPubSubTranscript(t *testing.T) {
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	have := transcript(t, ts.addr, pubsubScript)
	for _, want := range []string{
		"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n",
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n",
		"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
	} {
		if !strings.Contains(have, want) {
			t.Errorf("transcript lacks %q:\n%s", want, have)
		}
	}
	redis := startRedisTCP(t)
	if want := transcript(t, redis, pubsubScript); have != want {
		t.Fatalf("kv and redis-server differ.\nkv:\n%s\nredis-server:\n%s", have, want)
	}
}

// redisCLISubscribe runs `redis-cli subscribe` (or psubscribe) and
// returns its stdout's lines as they come.
func redisCLISubscribe(t *testing.T, addr string, args ...string) (lines <-chan string) {
	t.Helper()
	path := lookPath(t, "redis-cli")
	host, port := hostPort(t, addr)
	cmd := exec.Command(path, append([]string{"-h", host, "-p", port}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		cmd.Wait()
	})
	return ch
}

// cliSession subscribes with redis-cli in one process, publishes with
// redis-cli from another, and returns what both printed.
func cliSession(t *testing.T, addr string) string {
	t.Helper()
	var b strings.Builder
	for _, sub := range [][]string{{"subscribe", "news", "sport"}, {"psubscribe", "n*"}} {
		lines := redisCLISubscribe(t, addr, sub...)
		next := func() string {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("redis-cli subscribe ended")
				}
				return l
			case <-time.After(10 * time.Second):
				t.Fatal("redis-cli subscribe printed nothing")
				return ""
			}
		}
		for range 3 * (len(sub) - 1) { // its confirmations: it is subscribed
			b.WriteString(next() + "\n")
		}
		for _, msg := range []string{"one", "two words", ""} {
			b.WriteString("publish: " + redisTool(t, "redis-cli", addr, nil, "publish", "news", msg))
		}
		n := 3
		if sub[0] == "psubscribe" {
			n = 4
		}
		for range 3 * n {
			b.WriteString(next() + "\n")
		}
	}
	return b.String()
}

func TestPubSubRedisCLI(t *testing.T) {
	lookPath(t, "redis-cli")
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	have := cliSession(t, ts.addr)
	if !strings.Contains(have, "message\nnews\ntwo words\n") {
		t.Fatalf("redis-cli subscribe did not print the message:\n%s", have)
	}
	redis := startRedisTCP(t)
	if want := cliSession(t, redis); have != want {
		t.Fatalf("redis-cli prints differently.\nkv:\n%s\nredis-server:\n%s", have, want)
	}
}

// openFDs counts this process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestPubSubFanOut: 4 publishers, each publishing its messages in order
// (pipelined), to every subscriber of one channel: none is lost, each
// publisher's order is kept, and goroutines and descriptors are back to
// where they were once the clients leave. Under -race (or -short) it runs
// 100 subscribers x 2,000 messages in all; -pubsub.full or a build without
// -race runs 1,000 x 10,000 (10 million deliveries).
func TestPubSubFanOut(t *testing.T) {
	subs, total := 1000, 10000
	if raceEnabled && !*pubsubFull || testing.Short() {
		subs, total = 100, 2000
	}
	const publishers = 4
	msgs := total / publishers // each publisher's share
	ts := startPubSub(t, serverOpts{}, pubsub.Config{})
	// The baseline is taken once the listener has served a connection on
	// each of its connection supervisors (one per CPU, taking connections
	// in turn), so that it includes them.
	for range runtime.GOMAXPROCS(0) {
		warm := ts.dial(t)
		do(t, warm, "PING")
		warm.Close()
		seamtest.Eventually(t, "the warm-up connection to end", func() bool { return ts.ln.Stats().Active == 0 })
	}
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)

	conns := make([]*rawConn, subs)
	for i := range conns {
		conns[i] = dialRaw(t, ts.addr)
		if err := conns[i].send("SUBSCRIBE", "fan"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		if f, err := c.frame(); err != nil || f[0] != "subscribe" {
			t.Fatalf("subscribe: %q, %v", f, err)
		}
	}

	errs := make(chan error, subs+publishers)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- receiveAll(c, publishers, msgs)
		}()
	}
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- publishAll(ts.addr, p, msgs, subs)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	back := func() bool { return runtime.NumGoroutine() <= goroutines && openFDs(t) <= fds }
	deadline := time.Now().Add(10 * time.Second)
	for !back() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if !back() {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines %d (were %d), fds %d (were %d):\n%s", runtime.NumGoroutine(), goroutines, openFDs(t), fds, buf[:runtime.Stack(buf, true)])
	}
}

// receiveAll reads a subscriber's messages until it has every publisher's
// msgs, checking that each publisher's come in order, none missing.
func receiveAll(c *rawConn, publishers, msgs int) error {
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	next := make([]int, publishers)
	for got := 0; got < publishers*msgs; got++ {
		f, err := c.frame()
		if err != nil {
			return fmt.Errorf("subscriber after %d messages: %w", got, err)
		}
		if len(f) != 3 || f[0] != "message" {
			return fmt.Errorf("subscriber: frame %q", f)
		}
		p, seq, _ := strings.Cut(f[2], ":")
		pi, _ := strconv.Atoi(p)
		si, _ := strconv.Atoi(seq)
		if pi < 0 || pi >= publishers || si != next[pi] {
			return fmt.Errorf("subscriber: message %q after %d of publisher %s: lost or out of order", f[2], next[pi], p)
		}
		next[pi]++
	}
	return nil
}

// publishAll publishes msgs messages in pipelined batches and checks that
// each reached every subscriber.
func publishAll(addr string, p, msgs, subs int) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(time.Minute))
	c := &rawConn{Conn: nc, r: bufio.NewReader(nc)}
	const batch = 50
	var out []byte
	for i := 0; i < msgs; i += batch {
		out = out[:0]
		n := min(batch, msgs-i)
		for j := range n {
			payload := strconv.Itoa(p) + ":" + strconv.Itoa(i+j)
			out = fmt.Appendf(out, "*3\r\n$7\r\nPUBLISH\r\n$3\r\nfan\r\n$%d\r\n%s\r\n", len(payload), payload)
		}
		if _, err := nc.Write(out); err != nil {
			return err
		}
		for range n {
			l, err := c.line()
			if err != nil {
				return err
			}
			if l != ":"+strconv.Itoa(subs) {
				return fmt.Errorf("PUBLISH answered %s; want :%d", l, subs)
			}
		}
	}
	return nil
}

// A subscriber that does not read is closed at its hard limit, counted and
// logged once, while the others receive every message.
func TestPubSubSlowSubscriberCut(t *testing.T) {
	logs := &seamtest.Logs{}
	limits := pubsub.Limits{Hard: 1 << 20, Soft: -1}
	ts := startPubSub(t, serverOpts{}, pubsub.Config{Limits: limits, Logger: zerolog.New(logs)})

	slow := dialRaw(t, ts.addr)
	fast := []*rawConn{dialRaw(t, ts.addr), dialRaw(t, ts.addr)}
	for _, c := range append([]*rawConn{slow}, fast...) {
		if err := c.send("SUBSCRIBE", "flood"); err != nil {
			t.Fatal(err)
		}
		if f, err := c.frame(); err != nil || f[0] != "subscribe" {
			t.Fatalf("subscribe: %q, %v", f, err)
		}
	}
	// The fast subscribers read everything, in order, up to "end", and
	// the publisher waits for both to have read each message before it
	// sends the next: on a loaded machine a reader left behind by 1 MiB
	// would be cut too, and the test would measure the scheduler.
	got := make(chan error, len(fast))
	read := []chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)}
	for i, c := range fast {
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			for n := 0; ; n++ {
				f, err := c.frame()
				if err != nil {
					got <- err
					return
				}
				if f[2] == "end" {
					got <- nil
					return
				}
				if p, _, _ := strings.Cut(f[2], "|"); p != strconv.Itoa(n) {
					got <- fmt.Errorf("message %q; want %d", p, n)
					return
				}
				read[i] <- struct{}{}
			}
		}()
	}
	pub := ts.dial(t)
	publish := func(msg string) string {
		t.Helper()
		r := do(t, pub, "PUBLISH", "flood", msg)
		for i := range read {
			select {
			case <-read[i]:
			case err := <-got:
				t.Fatalf("a fast subscriber stopped reading: %v", err)
			case <-time.After(seamtest.Wait):
				t.Fatalf("a fast subscriber did not read message %q within %v", msg[:min(len(msg), 8)], seamtest.Wait)
			}
		}
		return r
	}

	payload := strings.Repeat("x", 16<<10)
	n := 0
	for ; ts.handler.cfg.PubSub.Cuts() == 0; n++ {
		if n > 100000 {
			t.Fatal("the slow subscriber was never cut")
		}
		publish(strconv.Itoa(n) + "|" + payload)
	}
	// After the cut the publisher reaches the two others only.
	for range 10 {
		if r := publish(strconv.Itoa(n) + "|" + payload); r != "(integer) 2" {
			t.Fatalf("PUBLISH after the cut reached %s; want 2", r)
		}
		n++
	}
	do(t, pub, "PUBLISH", "flood", "end")
	for range fast {
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	}
	// The slow connection is closed: reading it ends.
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, slow); err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			buf := make([]byte, 1<<20)
			t.Fatalf("the slow subscriber's connection was not closed:\n%s", buf[:runtime.Stack(buf, true)])
		}
	}
	if info := do(t, pub, "INFO", "stats"); !strings.Contains(info, "client_output_buffer_limit_disconnections:1") {
		t.Fatalf("INFO stats does not count the cut:\n%s", info)
	}
	if c := strings.Count(logs.String(), "output buffer limits"); c != 1 {
		t.Fatalf("the cut was logged %d times; want once:\n%s", c, logs.String())
	}
	if ev := logs.Events("pub/sub client closed for overcoming of output buffer limits"); len(ev) != 1 || ev[0]["soft_seconds"] != "1m0s" {
		t.Fatalf("the cut's soft_seconds = %v; want \"1m0s\" (the default), a duration with its unit", ev)
	}
}

// A hub crash closes every subscribed connection (they are linked to it),
// and the restarted hub serves new subscriptions.
func TestPubSubHubCrashClosesSubscribers(t *testing.T) {
	ts := startPubSub(t, serverOpts{debug: true}, pubsub.Config{})
	var subs []*rawConn
	for i := range 5 {
		c := dialRaw(t, ts.addr)
		cmd := "SUBSCRIBE"
		if i%2 == 1 {
			cmd = "PSUBSCRIBE"
		}
		if err := c.send(cmd, "c"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.frame(); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, c)
	}
	admin := ts.dial(t)
	if r := do(t, admin, "DEBUG", "PUBSUB-CRASH"); r != `"OK"` {
		t.Fatalf("DEBUG PUBSUB-CRASH: %s", r)
	}
	for i, c := range subs {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := c.frame()
		var ne net.Error
		if err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("subscriber %d: %v after the hub crashed; want its connection closed", i, err)
		}
	}
	// The hub comes back, empty, and serves new subscriptions.
	seamtest.Eventually(t, "the hub to restart", func() bool {
		return do(t, admin, "PUBSUB", "NUMPAT") == "(integer) 0"
	})
	c := dialRaw(t, ts.addr)
	if err := c.send("SUBSCRIBE", "after"); err != nil {
		t.Fatal(err)
	}
	if f, err := c.frame(); err != nil || f[0] != "subscribe" {
		t.Fatalf("subscribe after the restart: %q, %v", f, err)
	}
	if r := do(t, admin, "PUBLISH", "after", "hello"); r != "(integer) 1" {
		t.Fatalf("PUBLISH after the restart reached %s; want 1", r)
	}
	if f, err := c.frame(); err != nil || f[2] != "hello" {
		t.Fatalf("message after the restart: %q, %v", f, err)
	}
}
