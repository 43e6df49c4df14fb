package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/internal/loopback"
	"github.com/seamgo/seam/internal/pause"
)

// The aofrestart workload: the same fixed mixed workload is written to
// the kv example and to redis-server, both with their append-only file on;
// each is stopped, then started again on its own file, and timed from exec
// to the first PONG, which neither sends before its keyspace is loaded
// (redis-server answers -LOADING meanwhile, as kv does).
var (
	figAOFRestart = figure{key: "aof_restart", unit: "ms"}
	figAOFReplay  = figure{key: "aof_replay", unit: "rec/s"}
	figAOFCPU     = figure{key: "aof_replay_cpu", unit: "ms"}
)

// mixedWorkload returns n commands, as RESP, of a fixed mix over keys
// distinct keys of five types: what a soak of redis-benchmark leaves in a
// file, plus the multi-key commands (MSET, RENAME) whose order across keys
// a replay must keep. The same seed gives the same bytes, so both servers
// journal the same records.
func mixedWorkload(n, keys int) []byte {
	rng := rand.New(rand.NewPCG(24, 7))
	var out []byte
	val := make([]byte, 128)
	key := func(prefix string) []byte {
		return strconv.AppendInt([]byte(prefix), int64(rng.IntN(keys)), 10)
	}
	value := func() []byte {
		v := val[:16+rng.IntN(len(val)-16)]
		for i := range v {
			v[i] = 'a' + byte(rng.IntN(26))
		}
		return v
	}
	num := func(i int) []byte { return strconv.AppendInt(nil, int64(i), 10) }
	for range n {
		var cmd [][]byte
		switch r := rng.IntN(100); {
		case r < 40:
			cmd = [][]byte{[]byte("SET"), key("s:"), value()}
		case r < 48:
			cmd = [][]byte{[]byte("INCR"), key("n:")}
		case r < 56:
			cmd = [][]byte{[]byte("RPUSH"), key("l:"), value()}
		case r < 64:
			cmd = [][]byte{[]byte("SADD"), key("t:"), num(rng.IntN(1000))}
		case r < 74:
			cmd = [][]byte{[]byte("HSET"), key("h:"), num(rng.IntN(50)), value()}
		case r < 84:
			cmd = [][]byte{[]byte("ZADD"), key("z:"), num(rng.IntN(100000)), num(rng.IntN(1000))}
		case r < 90:
			cmd = [][]byte{[]byte("DEL"), key("s:")}
		case r < 93:
			cmd = [][]byte{[]byte("EXPIRE"), key("s:"), []byte("86400")}
		case r < 97:
			cmd = [][]byte{[]byte("MSET"), key("s:"), value(), key("s:"), value(), key("s:"), value()}
		default:
			// A missing source is an error reply and journals nothing,
			// on both servers alike.
			cmd = [][]byte{[]byte("RENAME"), key("s:"), key("s:")}
		}
		out = resp.AppendCommand(out, cmd...)
	}
	return out
}

// aofRestart runs one round: each system is filled with the workload,
// stopped, and restarted on its file.
func (h *harness) aofRestart(ctx context.Context, sys system, round int) error {
	cmds := filepath.Join(h.tmp, "aofrestart.resp")
	if _, err := os.Stat(cmds); err != nil {
		if err := os.WriteFile(cmds, mixedWorkload(h.cfg.aofRecords, h.cfg.keyspace), 0o644); err != nil {
			return err
		}
	}
	dir := filepath.Join(h.tmp, fmt.Sprintf("aofrestart-%s-%d", sys, round))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	bin, args, err := h.persistentServer(sys, addr, dir)
	if err != nil {
		return err
	}
	fill, err := h.launch(ctx, sys, bin, args, filepath.Join(dir, "fill.log"), addr, false)
	if err != nil {
		return err
	}
	defer fill.kill()
	records, err := pipe(ctx, addr, cmds)
	if err != nil {
		return fmt.Errorf("%s: filling: %w", sys, err)
	}
	if _, err := fill.stop(ctx); err != nil {
		return err
	}
	took, cpu, err := h.timeToPong(ctx, sys, bin, args, filepath.Join(dir, "restart.log"), addr)
	if err != nil {
		return err
	}
	f := figAOFRestart
	f.name = fmt.Sprintf("restart with the AOF: exec to first PONG (%s records)", thousands(records))
	h.add(f, sys, round, float64(took)/float64(time.Millisecond))
	f = figAOFReplay
	f.name = "AOF replay: records per second, exec to first PONG"
	h.add(f, sys, round, float64(records)/took.Seconds())
	// The clock counts the time the server waited for a core as well:
	// on a shared machine, the CPU it used is the steadier figure.
	if cpu > 0 {
		f = figAOFCPU
		f.name = "restart with the AOF: server CPU time until first PONG"
		h.add(f, sys, round, cpu*1000)
	}
	return nil
}

// persistentServer is how sys runs with its append-only file in dir:
// fsync once a second (both servers' default) and no automatic rewrite,
// so that both replay the records as the workload wrote them.
func (h *harness) persistentServer(sys system, addr, dir string) (string, []string, error) {
	_, port, _ := net.SplitHostPort(addr)
	switch sys {
	case sysSeam, sysBefore:
		bin := h.bins[binKV]
		if sys == sysBefore {
			bin = h.bins[binKVBefore]
		}
		return bin, []string{"-addr", addr, "-aof", filepath.Join(dir, "kv.aof"),
			"-auto-aof-rewrite-percentage", "0", "-loglevel", "warn"}, nil
	case sysRedis:
		// Redis 7 keeps a manifest, a base file (an empty RDB preamble
		// here) and the increment file that holds the records.
		return h.redisSv, []string{"--port", port, "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "yes", "--appendfsync", "everysec", "--auto-aof-rewrite-percentage", "0",
			"--dir", dir, "--loglevel", "warning"}, nil
	}
	return "", nil, fmt.Errorf("aofrestart: no persistent %s", sys)
}

// pipe sends the commands in file through redis-cli --pipe, as an operator
// would bulk-load either server, and returns how many of them succeeded:
// the records the server journalled.
func pipe(ctx context.Context, addr, file string) (int, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return 0, errors.New("aofrestart needs redis-cli on PATH")
	}
	host, port, _ := net.SplitHostPort(addr)
	in, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	cmd := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "--pipe")
	cmd.Stdin = in
	// It exits 1 when any command had an error reply (the RENAMEs of
	// missing keys); its summary says how many: "errors: 12, replies: 300000".
	out, err := cmd.CombinedOutput()
	i := bytes.LastIndex(out, []byte("errors: "))
	if i < 0 {
		return 0, fmt.Errorf("redis-cli --pipe: %v: no summary in %q", err, lastLine(out))
	}
	var errs, replies int
	if _, err := fmt.Sscanf(string(out[i:]), "errors: %d, replies: %d", &errs, &replies); err != nil {
		return 0, fmt.Errorf("redis-cli --pipe summary: %w", err)
	}
	return replies - errs, nil
}

// timeToPong starts the server and returns the time from exec to its
// first +PONG, and the CPU time it had used then (0 where /proc has
// none). It polls: a refused connection (the port not yet bound) or
// another reply (-LOADING) is tried again a millisecond later.
func (h *harness) timeToPong(ctx context.Context, sys system, bin string, args []string, logPath, addr string) (time.Duration, float64, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return 0, 0, err
	}
	defer logf.Close()
	bin, args = pinned(h.pin.server, bin, args)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	p := &process{sys: sys, cmd: cmd, addr: addr, log: logPath, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	defer p.kill()
	ctx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
	defer cancel()
	ping := resp.AppendCommand(nil, []byte("PING"))
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			pong, perr := askPing(c, ping)
			c.Close()
			if pong {
				took := time.Since(start)
				cpu, _ := cpuSeconds(p.pid())
				_, err := p.stop(ctx)
				return took, cpu, err
			}
			err = perr
		}
		select {
		case <-p.exited:
			return 0, 0, fmt.Errorf("%s exited before its first PONG: %v (log: %s)", sys, p.err, p.tail())
		default:
		}
		if !pause.For(ctx, time.Millisecond) {
			return 0, 0, fmt.Errorf("%s: no PONG: %w (last: %v)", sys, ctx.Err(), err)
		}
	}
}

// askPing sends PING on c and reports whether the reply is +PONG; any
// other reply (-LOADING) is returned as an error.
func askPing(c net.Conn, ping []byte) (bool, error) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(ping); err != nil {
		return false, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false, err
	}
	if line == "+PONG\r\n" {
		return true, nil
	}
	return false, fmt.Errorf("reply %q", line)
}
