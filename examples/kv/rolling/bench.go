package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// benchLoop runs redis-benchmark with -k 0 (a new connection for every
// request) through the proxy, one run after another, until ctx ends; the
// run under way then finishes, so every request counted was answered.
// redis-benchmark exits 1 at its first error reply or connection error
// ("Error from server: ...", "Error: Server closed the connection"), so
// each run either completes or names its error.
type benchLoop struct {
	addr    string
	n       int // requests per test per run
	clients int
	started func(*os.Process)

	runs     int
	requests int64    // answered requests of completed tests
	errors   []string // one line for each run that failed
}

func (b *benchLoop) run(ctx context.Context) {
	host, port, _ := net.SplitHostPort(b.addr)
	for ctx.Err() == nil {
		cmd := exec.Command("redis-benchmark", "-h", host, "-p", port, "-k", "0",
			"-c", strconv.Itoa(b.clients), "-n", strconv.Itoa(b.n),
			"-r", "100000", "-t", "set,get,incr", "--csv")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Start()
		if err == nil {
			if b.started != nil {
				b.started(cmd.Process)
			}
			err = cmd.Wait()
		}
		b.runs++
		tests := completedTests(stdout.Bytes())
		b.requests += int64(tests * b.n)
		var msgs []string
		for _, line := range strings.Split(stderr.String(), "\n") {
			// The warning about tcp_tw_reuse that -k 0 prints is advice.
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "WARNING: Keepalive disabled") {
				msgs = append(msgs, line)
			}
		}
		if err != nil || len(msgs) > 0 {
			b.errors = append(b.errors, fmt.Sprintf("run %d (%d of 3 tests done): %v: %s", b.runs, tests, err, strings.Join(msgs, "; ")))
		}
	}
}

// completedTests counts the result rows of redis-benchmark's CSV output:
// one per test that ran to its end.
func completedTests(out []byte) int {
	r := csv.NewReader(bytes.NewReader(out))
	r.FieldsPerRecord = -1
	rows, _ := r.ReadAll()
	n := 0
	for _, row := range rows {
		if len(row) > 1 && row[0] != "test" {
			n++
		}
	}
	return n
}
