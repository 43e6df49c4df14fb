package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The flood case: connections that send random bytes (or damaged
// commands) and close, as fast as the server takes them, beside a good
// client that sends SET and GET one at a time.
//
// The flood runs in processes of its own, as an attacker's would. Run in
// the good client's process, it would measure that process rather than
// the server: Go's runtime asks the kernel which sockets are ready only
// when a processor has nothing else to run, or every 10 ms from its
// monitor, and eight goroutines that dial a server taking every
// connection at once always have something to run. The good client's
// replies then wait in its own process, up to 10 ms each, however fast
// the server answered.

// floodWorkerEnv makes the chaos binary a flood worker instead of the
// harness: its value is "address span seed goroutines" (floodWorker).
const floodWorkerEnv = "KV_CHAOS_FLOOD_WORKER"

const (
	floodProcs      = 4 // processes of the flood
	floodGoroutines = 2 // dialling goroutines in each, 8 in all
)

// fuzz floods the port for a fixed span beside a good client, whose rate
// is measured twice, alone and under the flood, over the same span: a
// server that takes the flood's connections at any speed must keep
// serving the clients it has. The figure has both rates, their ratio, and
// how many of the flood's connections the server took (its INFO's
// total_connections_received) beside how many the flood dialled, and on
// Linux how many handshakes the kernel dropped at a full accept queue.
// The flood is a closed loop, so that count and the server's speed at
// taking connections set how much of the machine the flood itself burns.
func fuzz(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	// Longer than a dropped handshake's first retransmission timeout
	// (1 s), so that a flooding client stalled by a full accept queue
	// comes back within the span, as it would in a sustained flood.
	span := 3 * time.Second
	if e.short {
		span = 300 * time.Millisecond
	}
	alone, aloneErr := goodClient(s.addr, span, nil)
	if aloneErr != nil {
		return fail("good client alone: %v", aloneErr)
	}
	f, err := startFlood(ctx, s.addr, span)
	if err != nil {
		return fail("flood: %v", err)
	}
	var before, overflowsBefore int64
	under, goodErr := goodClient(s.addr, span, func() error {
		// After the good client connected, so that only the flood's
		// connections (and the next INFO's own) are counted from here.
		var err error
		if before, err = connectionsReceived(s.addr); err != nil {
			return err
		}
		overflowsBefore, _ = listenOverflows()
		f.begin()
		return nil
	})
	dialled, floodErr := f.wait()
	overflows, overflowsRead := listenOverflows()
	took, tookErr := connectionsReceived(s.addr)
	took -= before + 1 // the INFO connection that read it
	up := false
	if c, err := dial(s.addr); err == nil {
		v, err := c.Do("PING")
		up = err == nil && v.Str == "PONG"
		c.Close()
	}
	fig := fmt.Sprintf("good client alone %.0f ops/s, under the flood %.0f ops/s (%.2f of alone); took %d of %d flood connections in %v; up: %v",
		alone, under, under/alone, took, dialled, span, up)
	if overflowsRead {
		// What slows a flood most is a full accept queue: each dropped
		// handshake stalls its dialler for a second.
		fig += fmt.Sprintf("; accept queue overflows (machine-wide): %d", overflows-overflowsBefore)
	}
	if err := errors.Join(goodErr, floodErr, tookErr); err != nil {
		fig += " (" + err.Error() + ")"
	}
	return result{fig: fig, ok: up && goodErr == nil && floodErr == nil && s.alive()}
}

// connectionsReceived reads the server's count of connections accepted so
// far, the one this read opens included.
func connectionsReceived(addr string) (int64, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	v, err := c.Do("INFO", "stats")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(v.Str, "\r\n") {
		if n, ok := strings.CutPrefix(line, "total_connections_received:"); ok {
			return strconv.ParseInt(n, 10, 64)
		}
	}
	return 0, fmt.Errorf("no total_connections_received in INFO stats: %q", v.Str)
}

// netstatField finds a counter in the text of /proc/net/netstat: pairs
// of lines, the first naming a group's fields ("TcpExt: SyncookiesSent
// ..."), the second giving their values ("TcpExt: 0 ..."). It reports
// false when the group or the field is missing or its value is not a
// number.
func netstatField(b []byte, group, field string) (int64, bool) {
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != group+":" || len(values) != len(names) || values[0] != names[0] {
			continue
		}
		for j, name := range names[1:] {
			if name == field {
				n, err := strconv.ParseInt(values[j+1], 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

// goodClient connects, then sends SET and GET, each waiting for its
// reply, for span, and returns the rate of replies. With begin set, the
// span starts once the client is connected and begin has returned, so
// that a flood begun by it finds the client already served.
func goodClient(addr string, span time.Duration, begin func() error) (float64, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	// A PING first: kv counts a client in total_connections_received
	// when its first command starts it (a client that has sent nothing
	// waits unstarted), and begin's count must already hold this one.
	if v, err := c.Do("PING"); err != nil || v.Str != "PONG" {
		return 0, fmt.Errorf("PING: %v %v", v, err)
	}
	if begin != nil {
		if err := begin(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	end := start.Add(span)
	ops := 0
	for i := 0; time.Now().Before(end); i++ {
		k, want := "good:"+strconv.Itoa(i%100), strconv.Itoa(i)
		if v, err := c.Do("SET", k, want); err != nil || v.Str != "OK" {
			return 0, fmt.Errorf("SET: %v %v", v, err)
		}
		if v, err := c.Do("GET", k); err != nil || v.Str != want {
			return 0, fmt.Errorf("GET: %v %v", v, err)
		}
		ops += 2
	}
	return float64(ops) / time.Since(start).Seconds(), nil
}

// floodProcesses are the flood's workers, started and waiting for begin.
type floodProcesses struct {
	cmds  []*exec.Cmd
	gos   []io.WriteCloser // closing one starts its worker's flood
	outs  []*bufio.Reader
	begun sync.Once
}

// startFlood starts the flood's processes, each this very binary as a
// flood worker, and returns once each is ready to dial addr for span.
func startFlood(ctx context.Context, addr string, span time.Duration) (*floodProcesses, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f := &floodProcesses{}
	for i := range floodProcs {
		cmd := exec.CommandContext(ctx, exe)
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d %d", floodWorkerEnv, addr, span, i, floodGoroutines))
		cmd.Stderr = os.Stderr
		dieWithParent(cmd)
		in, err := cmd.StdinPipe()
		if err != nil {
			f.stop()
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			f.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			f.stop()
			return nil, err
		}
		f.cmds, f.gos, f.outs = append(f.cmds, cmd), append(f.gos, in), append(f.outs, bufio.NewReader(out))
		if line, err := f.outs[i].ReadString('\n'); err != nil || line != "ready\n" {
			f.stop()
			return nil, fmt.Errorf("flood worker not ready: %q %v", line, err)
		}
	}
	return f, nil
}

// begin starts every worker's flood.
func (f *floodProcesses) begin() {
	f.begun.Do(func() {
		for _, in := range f.gos {
			in.Close()
		}
	})
}

// wait waits for the workers to end and returns how many connections
// they dialled in all.
func (f *floodProcesses) wait() (int64, error) {
	f.begin() // a good client that failed to connect never began it
	var total int64
	var errs []error
	for i, cmd := range f.cmds {
		line, err := f.outs[i].ReadString('\n')
		if err == nil {
			var n int64
			n, err = strconv.ParseInt(strings.TrimSpace(line), 10, 64)
			total += n
		}
		errs = append(errs, err, cmd.Wait())
	}
	return total, errors.Join(errs...)
}

// stop ends the workers started so far, after a failed start.
func (f *floodProcesses) stop() {
	for i, cmd := range f.cmds {
		f.gos[i].Close()
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// floodWorker runs the flood when the binary was started as a worker
// (floodWorkerEnv is set) and reports whether it was: it says "ready",
// waits for its standard input to close, floods, and prints how many
// connections it dialled.
func floodWorker() bool {
	v, ok := os.LookupEnv(floodWorkerEnv)
	if !ok {
		return false
	}
	var addr, span string
	var seed uint64
	var goroutines int
	if _, err := fmt.Sscan(v, &addr, &span, &seed, &goroutines); err != nil {
		fmt.Fprintf(os.Stderr, "chaos: %s=%q: %v\n", floodWorkerEnv, v, err)
		os.Exit(2)
	}
	d, err := time.ParseDuration(span)
	if err != nil {
		fmt.Fprintf(os.Stderr, "chaos: %s=%q: %v\n", floodWorkerEnv, v, err)
		os.Exit(2)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	var frames atomic.Int64
	flood(addr, d, seed, goroutines, &frames)
	fmt.Println(frames.Load())
	return true
}

// flood opens connections from goroutines goroutines for span, each
// sending one frame (random bytes, or a valid command with bytes damaged)
// and closing, and counts them in frames.
func flood(addr string, span time.Duration, seed uint64, goroutines int, frames *atomic.Int64) {
	valid := [][]byte{
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\nf\r\n$1\r\nv\r\n"), []byte("*2\r\n$3\r\nGET\r\n$1\r\nf\r\n"),
		[]byte("*1\r\n$4\r\nPING\r\n"), []byte("PING\r\n"), []byte("*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n"),
	}
	end := time.Now().Add(span)
	var wg sync.WaitGroup
	for w := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for time.Now().Before(end) {
				var frame []byte
				if rng.IntN(2) == 0 {
					frame = make([]byte, 1+rng.IntN(4096))
					for i := range frame {
						frame[i] = byte(rng.UintN(256))
					}
				} else {
					frame = bytes.Clone(valid[rng.IntN(len(valid))])
					for range 1 + rng.IntN(4) {
						frame[rng.IntN(len(frame))] = byte(rng.UintN(256))
					}
				}
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					continue
				}
				c.Write(frame)
				c.Close()
				frames.Add(1)
			}
		}()
	}
	wg.Wait()
}
