package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
)

// errNoResult is redis-benchmark output without the test's line.
var errNoResult = errors.New("redis-benchmark: no result in its output")

// redisBenchmarkArgs are redis-benchmark's flags for l.
func redisBenchmarkArgs(l load) []string {
	host, port, _ := net.SplitHostPort(l.addr)
	args := []string{
		"-h", host, "-p", port,
		"-c", strconv.Itoa(l.conns),
		"-n", strconv.Itoa(l.requests),
		"-P", strconv.Itoa(max(l.pipeline, 1)),
		"-r", strconv.Itoa(max(l.keyspace, 1)),
		"-d", strconv.Itoa(max(l.valueLen, 1)),
		"-t", strings.ToLower(l.cmd),
		"--csv",
	}
	if l.churn {
		args = append(args, "-k", "0")
	}
	return args
}

// redisBenchmark runs redis-benchmark (bin, perhaps through taskset) and
// returns the requests per second of its test. redis-benchmark stops by
// itself after -n requests; ctx bounds it in time as well.
func redisBenchmark(ctx context.Context, bin string, args []string, test string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, lastLine(stderr.Bytes()))
	}
	return parseRedisBenchmarkCSV(bytes.NewReader(out), test)
}

// parseRedisBenchmarkCSV finds the test's row in redis-benchmark --csv
// output:
//
//	"test","rps","avg_latency_ms",...
//	"SET","49504.95","0.526",...
//
// Older versions print no header; the row is found by its name either way.
func parseRedisBenchmarkCSV(r io.Reader, test string) (float64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return 0, fmt.Errorf("%w: test %s", errNoResult, test)
		}
		if err != nil {
			return 0, fmt.Errorf("redis-benchmark output: %w", err)
		}
		if len(rec) >= 2 && strings.EqualFold(rec[0], test) {
			return strconv.ParseFloat(rec[1], 64)
		}
	}
}

func lastLine(b []byte) string {
	var last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			last = t
		}
	}
	return last
}
