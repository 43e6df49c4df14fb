package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The cases of the append-only file: a full disk, a kill, a damaged
// file, a stop under load.

func fullDisk(ctx context.Context, e env, t target, dir string) result {
	disk := filepath.Join(dir, "disk")
	if err := os.MkdirAll(disk, 0o755); err != nil {
		return fail("%v", err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk).CombinedOutput(); err != nil {
		return result{skip: "cannot mount a tmpfs: " + strings.TrimSpace(string(out))}
	}
	defer exec.Command("umount", "-l", disk).Run()
	s, err := start(ctx, t, opts{dir: disk, aof: true, fsync: "everysec"}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	c, err := dial(s.addr)
	if err != nil {
		return fail("%v", err)
	}
	defer func() { c.Close() }()
	if v, err := c.Do("SET", "kept", "value"); err != nil || v.Str != "OK" {
		return fail("SET: %v %v", v, err)
	}
	free, err := freeBytes(disk)
	if err != nil {
		return fail("%v", err)
	}
	filler := filepath.Join(disk, "filler")
	if free -= 256 << 10; free > 0 {
		if err := os.WriteFile(filler, make([]byte, free), 0o644); err != nil && !errors.Is(err, syscall.ENOSPC) {
			return fail("filler: %v", err)
		}
	}
	reads, readsOK := 0, 0
	read := func() {
		reads++
		if v, err := c.Do("GET", "kept"); err == nil && v.Str == "value" {
			readsOK++
		} else if err != nil {
			c.Close()
			c, _ = dial(s.addr)
		}
	}
	// set reports whether a write was acknowledged; a write whose commit
	// failed may get no reply (kv closes that connection), so it redials.
	val := strings.Repeat("x", 64<<10)
	set := func(k string) (bool, string) {
		v, err := c.Do("SET", k, val)
		if err != nil {
			c.Close()
			c, _ = dial(s.addr)
			if c == nil {
				return false, err.Error()
			}
			return false, "connection closed"
		}
		return v.Str == "OK", v.Str
	}
	refusal := ""
	for i := 0; i < 100 && refusal == ""; i++ {
		if ok, why := set("k" + strconv.Itoa(i)); !ok {
			refusal = why
		}
		read()
	}
	if refusal == "" {
		return fail("never refused a write")
	}
	_, again := set("again") // the next write, still on a full disk
	refusal = short(refusal) + ", then " + short(again)
	for range 10 {
		read()
	}
	os.Remove(filler)
	freed := time.Now()
	back := time.Duration(-1)
	for time.Since(freed) < 10*time.Second && ctx.Err() == nil {
		if ok, _ := set("after"); ok {
			back = time.Since(freed)
			break
		}
		read()
		time.Sleep(20 * time.Millisecond)
	}
	if back < 0 {
		return fail("refused (%s); not back within 10 s; reads %d/%d", refusal, readsOK, reads)
	}
	return result{fig: fmt.Sprintf("refused (%s); back %v after the space; reads %d/%d",
		refusal, back.Round(10*time.Millisecond), readsOK, reads), ok: back < 2*time.Second && readsOK == reads}
}

// writers run n clients that SET unique keys until stop is closed, and
// return, per client, how many writes were acknowledged: keys w<i>:0 to
// w<i>:acked-1 must survive.
func writers(addr string, n int, stop <-chan struct{}, acked []atomic.Int64) *sync.WaitGroup {
	return clients(n, func(i int) {
		c, err := dial(addr)
		if err != nil {
			return
		}
		defer c.Close()
		repeat(stop, func(j int) bool {
			k := fmt.Sprintf("w%d:%d", i, j)
			if v, err := c.Do("SET", k, k); err != nil || v.Str != "OK" {
				return false
			}
			acked[i].Store(int64(j + 1))
			return true
		})
	})
}

// clients runs client(0) to client(n-1), each on a goroutine of its own,
// and returns what to wait on for their end.
func clients(n int, client func(i int)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client(i)
		}()
	}
	return &wg
}

// repeat calls step with 0, 1, 2... until stop is closed or step returns
// false: the loop of a client that works until its case is over.
func repeat(stop <-chan struct{}, step func(i int) bool) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		if !step(i) {
			return
		}
	}
}

// lost counts the acknowledged keys missing from the server at addr.
func lost(addr string, acked []atomic.Int64) (int64, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var missing int64
	for i := range acked {
		n := acked[i].Load()
		for j := int64(0); j < n; j++ {
			c.Send("GET", fmt.Sprintf("w%d:%d", i, j))
		}
		if err := c.Flush(); err != nil {
			return 0, err
		}
		for j := int64(0); j < n; j++ {
			v, err := c.Receive()
			if err != nil {
				return 0, err
			}
			if v.Str != fmt.Sprintf("w%d:%d", i, j) {
				missing++
			}
		}
	}
	return missing, nil
}

func total(acked []atomic.Int64) int64 {
	var n int64
	for i := range acked {
		n += acked[i].Load()
	}
	return n
}

// waitAcked waits until the writers have had want writes acknowledged.
func waitAcked(ctx context.Context, acked []atomic.Int64, want int64) error {
	for total(acked) < want {
		if ctx.Err() != nil {
			return fmt.Errorf("only %d writes acknowledged", total(acked))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func sigkill(ctx context.Context, e env, t target, dir string) result {
	o := opts{dir: dir, aof: true, fsync: "always"}
	s, err := start(ctx, t, o, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	acked := make([]atomic.Int64, 8)
	stop := make(chan struct{})
	wg := writers(s.addr, len(acked), stop, acked)
	err = waitAcked(ctx, acked, 2000)
	s.cmd.Process.Kill() // mid-write: some clients wait for replies
	<-s.exited
	n, err := relaunchLost(ctx, t, o, dir, stop, wg, acked, err)
	if err != nil {
		return fail("%v", err)
	}
	return result{fig: fmt.Sprintf("%d acknowledged, %d lost", total(acked), n), ok: n == 0}
}

// relaunchLost ends the writers once their server has gone; then, unless
// waitErr (the wait for their first acknowledgements) failed, it starts
// the server again on the same files and returns how many acknowledged
// writes it lost.
func relaunchLost(ctx context.Context, t target, o opts, dir string, stop chan struct{}, wg *sync.WaitGroup, acked []atomic.Int64, waitErr error) (int64, error) {
	close(stop)
	wg.Wait()
	if waitErr != nil {
		return 0, waitErr
	}
	s, err := start(ctx, t, o, filepath.Join(dir, "log"))
	if err != nil {
		return 0, fmt.Errorf("restart: %w", err)
	}
	defer s.kill()
	return lost(s.addr, acked)
}

func damagedAOF(ctx context.Context, e env, t target, dir string) result {
	o := opts{dir: dir, aof: true, fsync: "always"}
	logPath := filepath.Join(dir, "log")
	s, err := start(ctx, t, o, logPath)
	if err != nil {
		return fail("%v", err)
	}
	c, err := dial(s.addr)
	if err != nil {
		s.kill()
		return fail("%v", err)
	}
	for i := range 100 {
		c.Do("SET", "k"+strconv.Itoa(i), "v")
	}
	c.Close()
	if code := s.signal(syscall.SIGTERM, 20*time.Second); code != 0 {
		return fail("exit %d after SIGTERM", code)
	}
	file, err := t.aofFile(dir)
	if err != nil {
		return fail("%v", err)
	}
	orig, err := os.ReadFile(file)
	if err != nil {
		return fail("%v", err)
	}
	// Truncated: the last record torn.
	os.WriteFile(file, orig[:len(orig)-5], 0o644)
	s, err = start(ctx, t, o, logPath)
	if err != nil {
		return fail("truncated: does not start: %v", err)
	}
	keys := int64(-1)
	if c, err := dial(s.addr); err == nil {
		v, _ := c.Do("DBSIZE")
		keys = v.Int
		c.Close()
	}
	s.kill()
	// Damaged: a record in the middle no longer starts with '*'.
	off := bytes.Index(orig[len(orig)/2:], []byte("\r\n*")) + len(orig)/2 + 2
	bad := bytes.Clone(orig)
	bad[off] = 'X'
	os.WriteFile(file, bad, 0o644)
	before := len(readFile(logPath))
	s, err = start(ctx, t, o, logPath)
	if err == nil {
		s.kill()
		return fail("truncated: starts, %d keys; damaged: starts", keys)
	}
	if !errors.Is(err, errExited) {
		return fail("damaged: %v", err)
	}
	code := s.cmd.ProcessState.ExitCode()
	msg := readFile(logPath)[before:]
	named := strings.Contains(msg, "offset "+strconv.Itoa(off))
	return result{fig: fmt.Sprintf("truncated: starts, %d keys; damaged: exit %d, offset %d named: %v", keys, code, off, named),
		ok: keys == 99 && code != 0 && named}
}

// short cuts a reply down to a table cell's width.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func sigterm(ctx context.Context, e env, t target, dir string) result {
	bench, err := exec.LookPath("redis-benchmark")
	if err != nil {
		return result{skip: "no redis-benchmark"}
	}
	o := opts{dir: dir, aof: true, fsync: "everysec"}
	s, err := start(ctx, t, o, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	_, port, _ := net.SplitHostPort(s.addr)
	load := exec.Command(bench, "-p", port, "-t", "set,incr,lpush", "-n", "100000000", "-c", "50", "-r", "100000", "-P", "4", "-q")
	load.Stdout, load.Stderr = io.Discard, io.Discard
	if err := load.Start(); err != nil {
		return fail("%v", err)
	}
	defer func() { load.Process.Kill(); load.Wait() }()
	acked := make([]atomic.Int64, 4)
	stop := make(chan struct{})
	wg := writers(s.addr, len(acked), stop, acked)
	err = waitAcked(ctx, acked, 2000)
	var cmds int64
	if c, err := dial(s.addr); err == nil {
		v, _ := c.Do("INFO", "stats")
		for _, l := range strings.Split(v.Str, "\r\n") {
			if n, ok := strings.CutPrefix(l, "total_commands_processed:"); ok {
				cmds, _ = strconv.ParseInt(n, 10, 64)
			}
		}
		c.Close()
	}
	code := s.signal(syscall.SIGTERM, 30*time.Second)
	n, err := relaunchLost(ctx, t, o, dir, stop, wg, acked, err)
	if err != nil {
		return fail("exit %d; %v", code, err)
	}
	return result{fig: fmt.Sprintf("exit %d after %d commands; %d acknowledged, %d lost", code, cmds, total(acked), n),
		ok: code == 0 && n == 0}
}
