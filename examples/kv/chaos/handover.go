package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The cases of an upgrade in place with the append-only file on (kv
// -upgrade): a SIGKILL in the middle of the handover loses nothing
// acknowledged. redis-server has no upgrade in place.

// churners run n clients that connect anew for every SET of a unique key
// until stop is closed, as redis-benchmark -k 0 does. A SET that fails (a
// refused or closed connection during a kill) is tried again, on a new
// connection, until it is acknowledged, so that acked[i] is always a
// prefix: keys w<i>:0 to w<i>:acked-1 must survive.
func churners(addr string, n int, stop <-chan struct{}, acked []atomic.Int64) *sync.WaitGroup {
	return clients(n, func(i int) {
		repeat(stop, func(int) bool {
			j := acked[i].Load()
			k := fmt.Sprintf("w%d:%d", i, j)
			c, err := dial(addr)
			if err != nil {
				time.Sleep(5 * time.Millisecond) // the port is down: a kill, not yet restarted
				return true
			}
			v, err := c.Do("SET", k, k)
			c.Close()
			if err == nil && v.Str == "OK" {
				acked[i].Store(j + 1)
			}
			return true
		})
	})
}

// prefill writes n keys in pipelined batches, so that a load takes long
// enough to be killed in.
func prefill(addr string, n int) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Conn().SetDeadline(time.Now().Add(time.Minute))
	const batch = 1000
	for i := 0; i < n; i += batch {
		for j := i; j < min(i+batch, n); j++ {
			c.Send("SET", "fill:"+strconv.Itoa(j), strings.Repeat("v", 100))
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for j := i; j < min(i+batch, n); j++ {
			if _, err := c.Receive(); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitLog waits until the log at path holds want count times.
func waitLog(ctx context.Context, path, want string, count int) error {
	for {
		b, _ := os.ReadFile(path)
		if strings.Count(string(b), want) >= count {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %q (%d times) in %s", want, count, path)
		case <-time.After(time.Millisecond):
		}
	}
}

// childOf returns the PID of a child process of pid (the successor of an
// upgrade), or 0.
func childOf(pid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		if fields := strings.Fields(string(b)); len(fields) > 0 {
			n, _ := strconv.Atoi(fields[0])
			return n
		}
	}
	return 0
}

// handoverCase runs kv -upgrade with the AOF (fsync always) under clients
// that connect per request, starts an upgrade with SIGHUP and kills one of
// the two processes at the moment kill chooses; then whatever serves (the
// old process, resumed, or kv started again as a process manager would)
// must hold every acknowledged write.
//
// With holdDrain, a client connects before the upgrade and sends nothing:
// kv's drain waits for a command on its way from a client that connected
// while it accepted (up to its drain timeout, 5 s), which holds the old
// process between "stopped accepting" and the handover of the file long
// enough to be killed there.
func handoverCase(ctx context.Context, e env, t target, dir string, holdDrain bool, kill func(ctx context.Context, old *server, logPath string) (string, error)) result {
	if !t.isKV() {
		return result{skip: "no upgrade in place"}
	}
	o := opts{dir: dir, aof: true, fsync: "always", upgradePIDFile: filepath.Join(dir, "kv.pid")}
	logPath := filepath.Join(dir, "log")
	s, err := start(ctx, t, o, logPath)
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	keys := e.size(200_000, 50_000)
	if err := prefill(s.addr, keys); err != nil {
		return fail("prefill: %v", err)
	}
	o.addr = s.addr // a kv started again serves the clients where they are
	acked := make([]atomic.Int64, 4)
	stop := make(chan struct{})
	wg := churners(s.addr, len(acked), stop, acked)
	stopWriters := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer stopWriters()
	if err := waitAcked(ctx, acked, 200); err != nil {
		return fail("%v", err)
	}
	if holdDrain {
		idle, err := net.Dial("tcp", s.addr)
		if err != nil {
			return fail("%v", err)
		}
		defer idle.Close()
		// Accepted once a connection made after it is answered: the
		// backlog is first in, first out.
		if c, err := dial(s.addr); err != nil {
			return fail("%v", err)
		} else if _, err := c.Do("PING"); err != nil {
			return fail("%v", err)
		} else {
			c.Close()
		}
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	what, err := kill(ctx, s, logPath)
	if err != nil {
		return fail("%v", err)
	}
	// Whatever serves now: the old process, resumed, or a kv started
	// again on the file. Writes must go on there.
	serving := s
	if !s.alive() {
		if serving, err = start(ctx, t, o, logPath); err != nil {
			b, _ := os.ReadFile(logPath)
			return fail("%s; restart: %v: %s", what, err, b[max(0, len(b)-1500):])
		}
		defer serving.kill()
	} else if err := serving.ready(ctx); err != nil {
		return fail("%s; the old process does not serve again: %v", what, err)
	}
	from := total(acked)
	if err := waitAcked(ctx, acked, from+200); err != nil {
		return fail("%s; %v", what, err)
	}
	stopWriters()
	if code := serving.signal(syscall.SIGTERM, 20*time.Second); code != 0 {
		return fail("%s; exit %d after SIGTERM", what, code)
	}
	last, err := start(ctx, t, o, logPath)
	if err != nil {
		return fail("%s; restart: %v", what, err)
	}
	defer last.kill()
	n, err := lost(last.addr, acked)
	if err != nil {
		return fail("%v", err)
	}
	return result{fig: fmt.Sprintf("%s; %d acknowledged, %d lost", what, total(acked), n), ok: n == 0}
}

// killOldMidHandover kills the old process once it has stopped accepting
// (its listener drains), before it has handed the file over: no successor
// has the lock, and kv is started again.
func killOldMidHandover(ctx context.Context, e env, t target, dir string) result {
	return handoverCase(ctx, e, t, dir, true, func(ctx context.Context, old *server, logPath string) (string, error) {
		if err := waitLog(ctx, logPath, `"message":"draining connections"`, 1); err != nil {
			return "", err
		}
		old.kill()
		if b, _ := os.ReadFile(logPath); strings.Contains(string(b), "handed over") {
			return "", errors.New("the old process handed the file over before it was killed")
		}
		return "old killed after it stopped accepting", nil
	})
}

// killNewWhileLoading kills the successor while it loads the file: the
// upgrade fails, and the old process takes the file back and serves.
func killNewWhileLoading(ctx context.Context, e env, t target, dir string) result {
	return handoverCase(ctx, e, t, dir, false, func(ctx context.Context, old *server, logPath string) (string, error) {
		// The successor's first line ("starting"): its tree starts, and its first
		// child takes the lock and loads.
		if err := waitLog(ctx, logPath, `"message":"starting"`, 2); err != nil {
			return "", err
		}
		child := childOf(old.cmd.Process.Pid)
		if child == 0 {
			return "", errors.New("no successor process found")
		}
		b, _ := os.ReadFile(logPath)
		loaded := strings.Count(string(b), `"message":"append-only file loaded"`) > 1
		p, err := os.FindProcess(child)
		if err == nil {
			err = p.Kill() // SIGKILL
		}
		if err != nil {
			return "", err
		}
		if err := waitLog(ctx, logPath, `"message":"upgrade failed; still serving"`, 1); err != nil {
			return "", err
		}
		what := "new killed while loading, old serving again"
		if loaded {
			what = "new killed once loaded (not while loading), old serving again"
		}
		return what, nil
	})
}
