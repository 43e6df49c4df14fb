package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// The cases of limits and bad clients: caps on connections and files,
// protocol errors, idle clients, random bytes.

// dial connects with a bound on every reply.
func dial(addr string) (*respclient.Client, error) {
	c, err := respclient.Dial(addr)
	if err != nil {
		return nil, err
	}
	c.Conn().SetDeadline(time.Now().Add(30 * time.Second))
	return c, nil
}

func maxConns(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir, maxConns: 100}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	var idle []*respclient.Client
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 100 {
		c, err := dial(s.addr)
		if err != nil {
			return fail("idle client: %v", err)
		}
		idle = append(idle, c)
		if v, err := c.Do("PING"); err != nil || v.Str != "PONG" {
			return fail("idle client %d not served: %v %v", len(idle), v, err)
		}
	}
	began := time.Now()
	c, err := dial(s.addr)
	if err != nil {
		return fail("101st: %v", err)
	}
	defer c.Close()
	v, err := c.Do("PING")
	took := time.Since(began)
	if err != nil {
		return fail("101st: %v after %v", err, took.Round(time.Millisecond))
	}
	return result{fig: fmt.Sprintf("%q in %v", v.String(), took.Round(time.Microsecond*100)),
		ok: v.Kind == '-' && v.Str == "ERR max number of clients reached"}
}

func fdLimit(ctx context.Context, e env, t target, dir string) result {
	if _, err := exec.LookPath("prlimit"); err != nil {
		return result{skip: "no prlimit"}
	}
	s, err := start(ctx, t, opts{dir: dir, nofile: 64}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	const n = 200
	var served, rejected, closed, hung, refused atomic.Int64
	var wg sync.WaitGroup
	var conns []net.Conn
	for range n {
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			refused.Add(1)
			continue
		}
		conns = append(conns, c)
		c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	}
	// A client not answered within 30 s counts as hung: the verdict is
	// that every client is answered, the figure is when the last one was.
	// A rejection answers and frees its descriptor at once, as
	// redis-server does (it used to linger until its client closed, and
	// kv answered in waves over about 6 s); the figure is not a verdict,
	// since a bound on time would fail on a busy machine without anything
	// being wrong.
	sent := time.Now()
	deadline := sent.Add(30 * time.Second)
	var slowest atomic.Int64
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(deadline)
			v, err := respclient.New(c).Receive()
			took := int64(time.Since(sent))
			for old := slowest.Load(); took > old && !slowest.CompareAndSwap(old, took); old = slowest.Load() {
			}
			var ne net.Error
			switch {
			case err == nil && v.Str == "PONG":
				served.Add(1)
			case err == nil && strings.Contains(v.Str, "max number of clients"):
				rejected.Add(1)
			case errors.As(err, &ne) && ne.Timeout():
				hung.Add(1)
			default:
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	return result{fig: fmt.Sprintf("%d served, %d got the error, %d closed, %d refused, %d hung; the last answered after %v",
		served.Load(), rejected.Load(), closed.Load(), refused.Load(), hung.Load(), time.Duration(slowest.Load()).Round(100*time.Millisecond)), ok: hung.Load() == 0 && served.Load() > 0}
}

func protoErrors(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	before := strings.Count(s.logText(), "\n")
	began := time.Now()
	answered := 0
	for range 1000 {
		c, err := dial(s.addr)
		if err != nil {
			return fail("%v", err)
		}
		c.SendRaw([]byte("*1\r\n$x\r\n"))
		c.Flush()
		if v, err := c.Receive(); err == nil && strings.HasPrefix(v.Str, "ERR Protocol error") {
			answered++
		}
		c.Close()
	}
	secs := time.Since(began).Seconds()
	// A last client that leaves normally: its end is logged after the
	// errors', if anything, so the count below is complete.
	if c, err := dial(s.addr); err == nil {
		c.Do("PING")
		c.Close()
	}
	lines := strings.Count(s.logText(), "\n") - before
	return result{fig: fmt.Sprintf("%d answered, %d log lines in %.1f s", answered, lines, secs),
		ok: answered == 1000 && lines >= 1 && float64(lines) <= secs+2}
}

func idleClose(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir, timeout: 1}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	idle, half := e.size(2000, 200), e.size(500, 50)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range idle + half {
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			return fail("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		if i >= idle {
			c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"))
		}
	}
	opened := time.Now()
	var closed atomic.Int64
	var last atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(opened.Add(15 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				closed.Add(1)
				last.Store(int64(time.Since(opened)))
			}
		}()
	}
	wg.Wait()
	n := int64(idle + half)
	return result{fig: fmt.Sprintf("%d/%d closed, the last %v after", closed.Load(), n, time.Duration(last.Load()).Round(100*time.Millisecond)),
		ok: closed.Load() == n}
}
