package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

const (
	// scaleMax in -scale-counts stands for the most connections the
	// open-file limit allows, which run resolves (resolveScale).
	scaleMax = -1
	// fileMargin is what the harness keeps of its open-file limit for
	// itself beyond the client sockets: the servers' pipes and logs, the
	// probes, the go command.
	fileMargin = 300
	// scaleCap bounds the scale workload's largest count: past it the
	// figures say nothing new, and a run must not grow with the machine's
	// limit.
	scaleCap = 20_000
)

// resolveScale replaces scaleMax with the most connections this process
// can hold, and returns the counts in increasing order, each once. The
// harness holds the client sockets, so the bound is its hard open-file
// limit (to which it raises its soft one) less fileMargin. The servers
// inherit the same limit, and seam's listener caps its connections at the
// limit less a reserve for the rest of the process (listener/fdlimit.go's
// fdReserve, mirrored in seamFits): the largest count is the most every
// server can hold, so that no system is measured turning clients away.
func resolveScale(counts []int) ([]int, error) {
	hard, err := hardFileLimit()
	if err != nil {
		return nil, err
	}
	most := min(int(min(hard, math.MaxInt32))-fileMargin, seamFits(hard), scaleCap)
	if most < 1 {
		return nil, fmt.Errorf("open-file limit %d leaves no room for the scale workload", hard)
	}
	out := make([]int, 0, len(counts))
	for _, n := range counts {
		if n == scaleMax {
			n = most
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// seamFits is how many connections a seam listener serves under an
// open-file limit: the limit less the reserve the listener keeps (64
// rejections in flight plus a sixteenth of the limit, at least 32, at
// most half the limit).
func seamFits(limit uint64) int {
	reserve := min(64+max(32, limit/16), limit/2)
	return int(min(limit-reserve, math.MaxInt32))
}

// The scale workload's figures at n connections.
func scaleFigures(n int) (rss, accept, stop figure) {
	c := thousands(n)
	return figure{key: fmt.Sprintf("scale_rss_%d", n), unit: "KiB", name: "scale: resident memory per connection, " + c + " connections"},
		figure{key: fmt.Sprintf("scale_accept_%d", n), unit: "ms", name: "scale: " + c + " connections opened and answering a PING"},
		figure{key: fmt.Sprintf("scale_stop_%d", n), unit: "ms", name: "scale: graceful stop, " + c + " idle connections"}
}

// scale measures, for each -scale-counts count, every system in turn with
// that many idle connections: resident memory per connection, the time
// from starting to open them to all of them having answered a PING, and,
// for the servers that wait for their handlers (seam, bare), the graceful
// stop.
func (h *harness) scale(ctx context.Context, systems []system, round int) error {
	for _, n := range h.cfg.scaleCounts {
		for _, sys := range systems {
			if err := ctx.Err(); err != nil {
				return err
			}
			fmt.Fprintf(h.log, "  scale: %s connections, %s\n", thousands(n), sys)
			if err := h.scaleOne(ctx, sys, n, round); err != nil {
				return fmt.Errorf("%s, %d connections: %w", sys, n, err)
			}
		}
	}
	return nil
}

func (h *harness) scaleOne(ctx context.Context, sys system, n, round int) error {
	return h.withServer(ctx, sys, func(s *process) error {
		before, m0, err := h.baseline(ctx, s)
		if err != nil {
			return err
		}
		t0 := time.Now()
		conns, err := openIdle(ctx, s.addr, n)
		accept := time.Since(t0)
		if err != nil {
			return err
		}
		defer closeAll(conns)
		if err := h.awaitAsleep(ctx, s, before, n); err != nil {
			return err
		}
		m1, err := h.memOf(ctx, s)
		if err != nil {
			return err
		}
		// The server closes first, as in the memory workload, so that the
		// TIME_WAIT sockets are on its side and the next count finds the
		// client ports free.
		rep, err := s.stop(ctx)
		if err != nil {
			return err
		}
		rssFig, acceptFig, stopFig := scaleFigures(n)
		h.add(rssFig, sys, round, (m1.rss-m0.rss)/float64(n))
		h.add(acceptFig, sys, round, float64(accept)/1e6)
		if sys == sysSeam || sys == sysSeamNoHib || sys == sysBare {
			ns, err := num(rep, "serve_ns")
			if err != nil {
				return err
			}
			h.add(stopFig, sys, round, ns/1e6)
		}
		return nil
	})
}

// scaleRow is one system at one count: the medians over rounds.
type scaleRow struct {
	sys                system
	conns              int
	rss, accept, stopT float64 // NaN where not measured
}

// scaleRows gathers the scale workload's medians, by count then system.
func (h *harness) scaleRows() []scaleRow {
	var rows []scaleRow
	for _, n := range h.cfg.scaleCounts {
		rssFig, acceptFig, stopFig := scaleFigures(n)
		for _, sys := range h.cfg.systems {
			r := scaleRow{sys: sys, conns: n,
				rss: h.res.median(rssFig.key, sys), accept: h.res.median(acceptFig.key, sys), stopT: h.res.median(stopFig.key, sys)}
			if !math.IsNaN(r.rss) {
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// writeScaleTable writes the scale workload's medians as a markdown
// table, a row per count and system, which reads down a column more
// easily than the main table's row per figure.
func writeScaleTable(w io.Writer, rows []scaleRow) {
	row(w, "connections", "system", "resident KiB per connection", "open + PING all, ms", "graceful stop, ms")
	row(w, "---:", "---", "---:", "---:", "---:")
	for _, r := range rows {
		row(w, thousands(r.conns), r.sys.title(), formatNum(r.rss), formatNum(r.accept), formatNum(r.stopT))
	}
}

// scaleCSVHeader is the columns of scale.csv, which bench/plot reads.
var scaleCSVHeader = []string{"system", "connections", "rss_kib_per_conn", "accept_ms", "stop_ms"}

// writeScaleCSV writes the rows as CSV; a figure not measured is empty.
func writeScaleCSV(w io.Writer, rows []scaleRow) error {
	cw := csv.NewWriter(w)
	cw.Write(scaleCSVHeader)
	cell := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	for _, r := range rows {
		cw.Write([]string{string(r.sys), strconv.Itoa(r.conns), cell(r.rss), cell(r.accept), cell(r.stopT)})
	}
	cw.Flush()
	return cw.Error()
}

// writeScale writes scale.csv into -outdir and, with -plot, draws it with
// the bench/plot module, which is run in its own directory as the redcon
// peer is built in its own: its plotting library must not enter seam's
// go.mod.
func (h *harness) writeScale(ctx context.Context, root string) error {
	path := filepath.Join(h.cfg.outdir, "scale.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeScaleCSV(f, h.scaleRows()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(h.log, "scale figures in", path)
	if h.cfg.plot == "" {
		return nil
	}
	cmd := exec.CommandContext(ctx, "go", "run", ".", "-in", path, "-out", h.cfg.plot)
	cmd.Dir = filepath.Join(root, "bench", "plot")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("plotting %s: %w\n%s", path, err, b)
	}
	fmt.Fprintln(h.log, "scale plot in", h.cfg.plot)
	return nil
}
