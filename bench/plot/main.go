// Command plot draws the scale workload of seam's benchmarks (bench/,
// -workloads scale) from the scale.csv it writes: resident memory per
// connection against the number of connections, and graceful stop time
// against the number of connections, one line per system, side by side in
// one PNG.
//
// It is a module of its own so that its plotting library
// (gonum.org/v1/plot) never enters seam's go.mod; it requires nothing of
// seam's and reads only the CSV. The harness runs it with -plot:
//
//	cd bench/plot && go run . -in ../../bench-results/scale.csv -out scale.png
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func main() {
	in := flag.String("in", "scale.csv", "the scale workload's CSV")
	out := flag.String("out", "scale.png", "the PNG to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	series, err := readScale(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	mem, err := panel(series, "resident memory per connection", "KiB", func(p point) (float64, bool) { return p.rss, p.hasRSS })
	if err != nil {
		return err
	}
	accept, err := panel(series, "all connections opened and answering a PING", "ms", func(p point) (float64, bool) { return p.accept, p.hasAccept })
	if err != nil {
		return err
	}
	stop, err := panel(series, "graceful stop, all connections idle", "ms", func(p point) (float64, bool) { return p.stop, p.hasStop })
	if err != nil {
		return err
	}
	return writePNG(out, mem, accept, stop)
}

// point is one system's medians at one number of connections.
type point struct {
	conns                      float64
	rss, accept, stop          float64
	hasRSS, hasAccept, hasStop bool // a system the workload does not stop has no stop time
}

// series is the points of each system, in the order the CSV names them.
type series struct {
	systems []string
	points  map[string][]point
}

// readScale reads the CSV the harness writes: system, connections,
// rss_kib_per_conn, accept_ms, stop_ms; an empty cell is a figure the
// run did not measure.
func readScale(r io.Reader) (series, error) {
	s := series{points: make(map[string][]point)}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return s, err
	}
	if len(rows) < 2 {
		return s, errors.New("no figures")
	}
	col := make(map[string]int)
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, want := range []string{"system", "connections", "rss_kib_per_conn", "accept_ms", "stop_ms"} {
		if _, ok := col[want]; !ok {
			return s, fmt.Errorf("no %s column", want)
		}
	}
	for _, row := range rows[1:] {
		var p point
		if p.conns, err = strconv.ParseFloat(row[col["connections"]], 64); err != nil {
			return s, err
		}
		if v := row[col["rss_kib_per_conn"]]; v != "" {
			if p.rss, err = strconv.ParseFloat(v, 64); err != nil {
				return s, err
			}
			p.hasRSS = true
		}
		if v := row[col["accept_ms"]]; v != "" {
			if p.accept, err = strconv.ParseFloat(v, 64); err != nil {
				return s, err
			}
			p.hasAccept = true
		}
		if v := row[col["stop_ms"]]; v != "" {
			if p.stop, err = strconv.ParseFloat(v, 64); err != nil {
				return s, err
			}
			p.hasStop = true
		}
		sys := row[col["system"]]
		if !slices.Contains(s.systems, sys) {
			s.systems = append(s.systems, sys)
		}
		s.points[sys] = append(s.points[sys], p)
	}
	return s, nil
}

// panel plots one figure against the number of connections, a line with
// points for each system that has it.
func panel(s series, title, unit string, value func(point) (float64, bool)) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "connections"
	p.X.Tick.Marker = countTicks{}
	p.Y.Label.Text = unit
	p.Y.Min = 0 // a ratio read off the plot must start from nothing
	p.Legend.Top = true
	p.Legend.Left = true
	var args []any
	for _, sys := range s.systems {
		var xys plotter.XYs
		for _, pt := range s.points[sys] {
			if v, ok := value(pt); ok {
				xys = append(xys, plotter.XY{X: pt.conns, Y: v})
			}
		}
		if len(xys) > 0 {
			args = append(args, sys, xys)
		}
	}
	if len(args) == 0 {
		p.Title.Text += " (not measured)"
		return p, nil
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return nil, err
	}
	p.Y.Max *= 1.3 // headroom, so that the legend sits above the lines
	return p, nil
}

// countTicks marks the connection axis in whole numbers, with thousands
// separated, where the default ticks print two decimals.
type countTicks struct{}

// Ticks returns the default tick positions, labelled as counts.
func (countTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = thousands(int64(ticks[i].Value))
		}
	}
	return ticks
}

// thousands formats n as 18,686.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// writePNG draws the panels side by side into one PNG.
func writePNG(path string, panels ...*plot.Plot) error {
	const w, h = 16 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Inch / 4, PadY: vg.Inch / 8,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
