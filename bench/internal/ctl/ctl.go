package ctl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/seamgo/seam/internal/pause"
)

// Server is what a server under test lets the harness do through [Serve].
type Server struct {
	// Addr is the address the server is bound to, announced in the ready
	// line.
	Addr string
	// Tracker times the server's handlers; nil when they are not wrapped,
	// and then stop reports no drain time and fault is refused.
	Tracker *Tracker
	// Stop cancels the server's Serve and returns the instant Serve
	// returned. Required. [Serve] calls it exactly once, before it
	// returns, whichever way it ends.
	Stop func() time.Time
	// Fault breaks the listening socket; nil when the server has no way to
	// recover from that, and fault is then refused.
	Fault func() error
	// Accepted returns how many connections the server has accepted, for
	// the conns command; nil to count the Tracker's handler starts
	// instead, or, without a Tracker, to report goroutines only.
	Accepted func() uint64
	// Hibernated returns how many of the server's connections are
	// hibernated (listener.Stats().Hibernated), for the conns command;
	// nil for a server that does not hibernate. A hibernated connection
	// has no goroutine, so the harness counts it where it would count
	// one.
	Hibernated func() int64
}

// Serve announces the server on out, then answers the commands read from
// in until stop or the end of in; both stop the server before Serve
// returns. It returns an error only when out cannot be written.
func Serve(in io.Reader, out io.Writer, s Server) error {
	if _, err := fmt.Fprintf(out, "ready %s\n", s.Addr); err != nil {
		s.Stop()
		return err
	}
	var prof profiler
	defer prof.end()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var reply string
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch cmd {
		case "mem":
			reply = memLine()
		case "conns":
			reply = connsLine(s)
		case "fault":
			reply = fault(s)
		case "profile":
			reply = prof.start(arg)
		case "heapprofile":
			reply = heapProfile(arg)
		case "stop":
			line := stop(s)
			prof.end()
			_, err := fmt.Fprintln(out, line)
			return err
		case "":
			continue
		default:
			reply = "error unknown command " + strconv.Quote(cmd)
		}
		if _, err := fmt.Fprintln(out, reply); err != nil {
			s.Stop()
			return err
		}
	}
	s.Stop()
	return nil
}

// profiler writes a CPU profile from the profile command to the stop, so
// that a profile of the stop holds nothing else but what preceded it on
// purpose.
type profiler struct{ f *os.File }

func (p *profiler) start(path string) string {
	if p.f != nil {
		return "error a profile is already running"
	}
	if path == "" {
		return "error profile needs a file"
	}
	f, err := os.Create(path)
	if err != nil {
		return "error " + err.Error()
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return "error " + err.Error()
	}
	p.f = f
	return "profiling"
}

func (p *profiler) end() {
	if p.f != nil {
		pprof.StopCPUProfile()
		p.f.Close()
		p.f = nil
	}
}

// heapProfile writes the live heap, after a GC, to path.
func heapProfile(path string) string {
	f, err := os.Create(path)
	if err != nil {
		return "error " + err.Error()
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return "error " + err.Error()
	}
	return "written"
}

// stop times the graceful stop: from the cancel to Serve's return, and from
// the last handler's return to Serve's return (the drain's own cost).
func stop(s Server) string {
	t0 := time.Now()
	returned := s.Stop()
	line := fmt.Sprintf("stopped serve_ns=%d", returned.Sub(t0).Nanoseconds())
	if t := s.Tracker; t != nil {
		drain := int64(-1)
		if end := t.LastEnd(); end > t.Since(t0) {
			drain = t.Since(returned) - end
		}
		line += fmt.Sprintf(" drain_ns=%d handlers=%d", drain, t.Started())
	}
	return line
}

// fault breaks the listening socket and measures how long until a new
// connection reaches a handler: the probe's own handler start is the first
// one after the fault, since the harness sends nothing else meanwhile.
func fault(s Server) string {
	if s.Fault == nil || s.Tracker == nil {
		return "error fault not supported by this server"
	}
	t0 := s.Tracker.Now()
	if err := s.Fault(); err != nil {
		return "error " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Probe(ctx, s.Addr); err != nil {
		return "error probe after fault: " + err.Error()
	}
	start := s.Tracker.LastStart()
	if start < t0 {
		return "error no handler started after the fault"
	}
	return fmt.Sprintf("restarted ns=%d", start-t0)
}

// Probe connects to addr until a connection is accepted and answers a
// PING, or ctx ends. A refused connection is retried at once: between the
// fault and the rebind the port refuses connections, and how soon the
// rebind is seen is the figure being measured.
func Probe(ctx context.Context, addr string) error {
	var d net.Dialer
	for tries := 0; ; tries++ {
		if tries >= 1000 {
			// Past a millisecond or two the restart is slow anyway (a
			// supervisor in backoff): stop spinning a core on it.
			if !pause.For(ctx, time.Millisecond) {
				return ctx.Err()
			}
		}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			err = Ping(ctx, c)
			c.Close()
			if err == nil {
				return nil
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		}
	}
}

// errUnexpected is a reply other than the one a greeting waits for.
var errUnexpected = errors.New("ctl: unexpected reply")

// ErrNoSocket is returned by [BreakListener] when no listening socket of
// this process is bound to the address.
var ErrNoSocket = errors.New("ctl: no listening socket at that address")

// Ping sends PING on c and reads the PONG, within ctx's deadline or, if
// ctx has none, ten seconds; c's deadline is cleared afterwards.
func Ping(ctx context.Context, c net.Conn) error {
	return Exchange(ctx, c, []byte("*1\r\n$4\r\nPING\r\n"), []byte("+PONG\r\n"))
}

// Exchange sends req on c and reads len(want) bytes, which must be want,
// within ctx's deadline or, if ctx has none, ten seconds; c's deadline is
// cleared afterwards. It is for replies known to the byte (a PONG, a
// SUBSCRIBE's confirmation).
func Exchange(ctx context.Context, c net.Conn, req, want []byte) error {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(10 * time.Second)
	}
	c.SetDeadline(dl)
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		return err
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: %q, want %q", errUnexpected, got, want)
	}
	return nil
}

// memLine collects garbage until the heap is only what is live, then
// reports it with the goroutine stacks, which hold most of an idle
// connection's memory.
func memLine() string {
	runtime.GC()
	runtime.GC()
	// Freed memory goes back to the system as the runtime's scavenger
	// would in time: a server whose connections have just given up
	// their goroutines (hibernated) would otherwise be measured holding
	// their freed stacks, until the scavenger's next pass.
	debug.FreeOSMemory()
	m := MemStats()
	return fmt.Sprintf("mem heap=%d stacks=%d goroutines=%d allocs_objects=%d allocs_bytes=%d",
		m.Heap, m.Stacks, m.Goroutines, m.AllocObjects, m.AllocBytes)
}

// connsLine reports how many connections the server has taken, cheaply
// (no GC, unlike mem), so that the harness can poll it until a batch of
// connections that sent nothing has been accepted: such a connection
// gives the client no other sign that the server has it.
func connsLine(s Server) string {
	line := fmt.Sprintf("conns goroutines=%d", runtime.NumGoroutine())
	switch {
	case s.Accepted != nil:
		line += fmt.Sprintf(" accepted=%d", s.Accepted())
	case s.Tracker != nil:
		line += fmt.Sprintf(" accepted=%d", s.Tracker.Started())
	}
	if s.Hibernated != nil {
		line += fmt.Sprintf(" hibernated=%d", s.Hibernated())
	}
	return line
}

// Mem is a process's Go memory, as runtime/metrics reports it.
type Mem struct {
	Heap       uint64 // bytes of live heap objects after the last GC
	Stacks     uint64 // bytes of goroutine stacks
	Goroutines uint64
	// AllocObjects and AllocBytes count every heap allocation since the
	// process started, freed or not: their growth over a batch of
	// connections is what serving them cost the allocator, which the live
	// heap does not show once the garbage is collected.
	AllocObjects uint64
	AllocBytes   uint64
}

// MemStats reads the current Mem.
func MemStats() Mem {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/gc/heap/allocs:objects"},
		{Name: "/gc/heap/allocs:bytes"},
	}
	metrics.Read(s)
	return Mem{
		Heap: s[0].Value.Uint64(), Stacks: s[1].Value.Uint64(), Goroutines: s[2].Value.Uint64(),
		AllocObjects: s[3].Value.Uint64(), AllocBytes: s[4].Value.Uint64(),
	}
}
