package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/internal/kvtest"
	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/listener/seamtest"
)

// infoField returns one field of INFO's persistence section.
func infoField(t *testing.T, addr, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `:(.*)\r$`).FindStringSubmatch(info(t, addr, "persistence"))
	if m == nil {
		t.Fatalf("INFO persistence has no %s", name)
	}
	return m[1]
}

// pauser holds a rewrite at two points, through the files it opens: the
// first write to its temporary file (the dump, while writes go on), and
// the fsync of that file just before the rename (commits held).
type pauser struct {
	paused  chan string
	release chan struct{}
}

func newPauser(t *testing.T) *pauser {
	p := &pauser{paused: make(chan string), release: make(chan struct{})}
	t.Cleanup(func() { close(p.release) })
	return p
}

func (p *pauser) open(path string) (aof.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil || !strings.Contains(filepath.Base(path), ".rewrite-") {
		return f, err
	}
	return &pausingFile{File: f, p: p}, nil
}

type pausingFile struct {
	*os.File
	p             *pauser
	wrote, synced atomic.Bool
}

func (f *pausingFile) Write(b []byte) (int, error) {
	if !f.wrote.Swap(true) {
		f.p.paused <- "dump"
		<-f.p.release
	}
	return f.File.Write(b)
}

func (f *pausingFile) Sync() error {
	if !f.synced.Swap(true) {
		f.p.paused <- "switch"
		<-f.p.release
	}
	return f.File.Sync()
}

// snapshot is the directory as a SIGKILL at that moment would leave it on
// disk, and how many SETs each writer had acknowledged before.
type snapshot struct {
	what  string
	dir   string
	acked []int64
}

// takeSnapshot reads the writers' counts, then copies the directory: every
// SET counted was acknowledged, so in the file, before the copy began.
func takeSnapshot(t *testing.T, what, dir string, ws []*writer) snapshot {
	t.Helper()
	s := snapshot{what: what, dir: t.TempDir()}
	for _, w := range ws {
		s.acked = append(s.acked, w.n.Load())
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		src, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(s.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
	return s
}

// checkSnapshot starts a server on the snapshot and checks that every SET
// acknowledged before it is there. The writers' SETs all succeed, so a
// writer's first n sequence numbers are the ones it had acknowledged.
func checkSnapshot(t *testing.T, s snapshot, ws []*writer) {
	t.Helper()
	cfg, _ := testConfig(t, s.dir)
	r := start(t, cfg)
	c := dial(t, r.addr)
	for i, w := range ws {
		for lo := int64(0); lo < s.acked[i]; lo += 500 {
			args := []string{"MGET"}
			for seq := lo; seq < min(lo+500, s.acked[i]); seq++ {
				args = append(args, fmt.Sprintf("w%d:%d", w.id, seq))
			}
			v, err := c.Do(args...)
			if err != nil {
				t.Fatal(err)
			}
			for j, e := range v.Array {
				if want := fmt.Sprint("v", lo+int64(j)); e.Str != want || e.Null {
					t.Fatalf("%s: acknowledged SET w%d:%d lost", s.what, w.id, lo+int64(j))
				}
			}
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRewriteWhileWriting rewrites three times under writers, holding each
// rewrite mid-dump and just before its rename. At each of those moments,
// and after each rewrite, the directory is copied as a SIGKILL would leave
// it; every copy replays to every SET acknowledged before it was taken,
// and so does the file at the end.
func TestRewriteWhileWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, _ := testConfig(t, dir)
	p := newPauser(t)
	cfg.openAOF = p.open
	r := start(t, cfg)
	c := dial(t, r.addr)
	ws, wait, total := startWritersFrom(t, r.addr, 0, 4, 1000)
	var snaps []snapshot
	for round := 1; round <= 3; round++ {
		if have := do(t, c, "BGREWRITEAOF"); have != `"Background append only file rewriting started"` {
			t.Fatalf("BGREWRITEAOF: %s", have)
		}
		if stage := seamtest.Recv(t, p.paused, "the rewrite's dump"); stage != "dump" {
			t.Fatalf("paused at %s, want dump", stage)
		}
		if have := do(t, c, "BGREWRITEAOF"); have != "(error) ERR Background append only file rewriting already in progress" {
			t.Fatalf("BGREWRITEAOF mid-rewrite: %s", have)
		}
		if infoField(t, r.addr, "aof_rewrite_in_progress") != "1" {
			t.Fatal("aof_rewrite_in_progress is not 1 mid-rewrite")
		}
		snaps = append(snaps, takeSnapshot(t, fmt.Sprintf("round %d mid-dump", round), dir, ws))
		// Writes go on during the rewrite.
		n := total.Load()
		seamtest.Eventually(t, "writes acknowledged mid-rewrite", func() bool { return total.Load() >= n+500 })
		p.release <- struct{}{}
		if stage := seamtest.Recv(t, p.paused, "the rewrite's switch"); stage != "switch" {
			t.Fatalf("paused at %s, want switch", stage)
		}
		snaps = append(snaps, takeSnapshot(t, fmt.Sprintf("round %d before the rename", round), dir, ws))
		p.release <- struct{}{}
		seamtest.Eventually(t, "the rewrite to end", func() bool {
			return infoField(t, r.addr, "aof_rewrites") == strconv.Itoa(round)
		})
		snaps = append(snaps, takeSnapshot(t, fmt.Sprintf("round %d after the rename", round), dir, ws))
	}
	for _, f := range []string{"aof_rewrite_in_progress:0", "aof_rewrite_scheduled:0", "aof_last_bgrewrite_status:ok"} {
		name, want, _ := strings.Cut(f, ":")
		if have := infoField(t, r.addr, name); have != want {
			t.Fatalf("%s = %s, want %s", name, have, want)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	wait()
	for _, w := range ws {
		for i, seq := range w.acked {
			if seq != i {
				t.Fatalf("writer %d: SET %d failed", w.id, i)
			}
		}
	}
	for _, s := range snaps {
		checkSnapshot(t, s, ws)
	}
	cfg.openAOF = nil
	checkAcked(t, cfg, ws)
}

// TestRewriteCompacts: after many writes over 1000 keys, a rewrite leaves
// a file within twice the size of a fresh dump of those keys.
func TestRewriteCompacts(t *testing.T) {
	t.Parallel()
	checkCompaction(t, 20_000)
}

// TestRewriteCompactsMillion is TestRewriteCompacts after 1,000,000
// writes, a soak case.
func TestRewriteCompactsMillion(t *testing.T) {
	seamtest.Soak(t, "1,000,000 writes")
	t.Parallel()
	checkCompaction(t, 1_000_000)
}

func checkCompaction(t *testing.T, writes int) {
	const keys = 1000
	cfg, _ := testConfig(t, t.TempDir())
	r := start(t, cfg)
	c := dial(t, r.addr)
	last := make(map[string]string, keys)
	const batch = 1000
	for seq := 0; seq < writes; seq += batch {
		for i := seq; i < min(seq+batch, writes); i++ {
			k, v := fmt.Sprint("key:", rand.IntN(keys)), fmt.Sprint("value:", i)
			last[k] = v
			c.Send("SET", k, v)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		for i := seq; i < min(seq+batch, writes); i++ {
			if v, err := c.Receive(); err != nil || v.Str != "OK" {
				t.Fatalf("SET: %v %v", v, err)
			}
		}
	}
	before := kvtest.FileSize(t, cfg.aofPath)
	if have := do(t, c, "BGREWRITEAOF"); have != `"Background append only file rewriting started"` {
		t.Fatalf("BGREWRITEAOF: %s", have)
	}
	seamtest.Eventually(t, "the rewrite", func() bool { return infoField(t, r.addr, "aof_rewrites") == "1" })
	var fresh []byte
	for k, v := range last {
		fresh = resp.AppendCommand(fresh, []byte("SET"), []byte(k), []byte(v))
	}
	after := kvtest.FileSize(t, cfg.aofPath)
	if base := infoField(t, r.addr, "aof_base_size"); base != strconv.FormatInt(after, 10) {
		t.Fatalf("aof_base_size %s, file %d bytes", base, after)
	}
	if cur := infoField(t, r.addr, "aof_current_size"); cur != strconv.FormatInt(after, 10) {
		t.Fatalf("aof_current_size %s, file %d bytes", cur, after)
	}
	t.Logf("%d writes over %d keys: %d bytes before the rewrite, %d after; a fresh dump is %d", writes, len(last), before, after, len(fresh))
	if after > 2*int64(len(fresh)) {
		t.Fatalf("rewritten file %d bytes, over twice a fresh dump's %d", after, len(fresh))
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r = start(t, cfg)
	c = dial(t, r.addr)
	for k, v := range last {
		if have := do(t, c, "GET", k); have != strconv.Quote(v) {
			t.Fatalf("after restart GET %s = %s, want %s", k, have, v)
		}
	}
}

// TestSIGKILLDuringRewrites runs the kv binary under writers while a
// client asks for rewrites back to back (and the automatic rewrite is
// on), kills it with SIGKILL after a random number of acknowledged SETs,
// starts it again on the same file, twice (the second run starts from a
// file a kill left), or ten times as a soak case; then every acknowledged
// SET of every round must be there.
func TestSIGKILLDuringRewrites(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	aofPath := filepath.Join(dir, "kv.aof")
	var all []*writer
	rewrites := 0
	rounds := 2
	if seamtest.Soaking() {
		rounds = 10
	}
	for round := range rounds {
		p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-aof", aofPath,
			"-auto-aof-rewrite-percentage", "50", "-auto-aof-rewrite-min-size", "256kb")
		ws, wait, total := startWritersFrom(t, p.addr, round*10, 4, 100)
		all = append(all, ws...)
		stop := make(chan struct{})
		asked := make(chan int)
		go func() {
			n := 0
			defer func() { asked <- n }()
			c, err := respclient.Dial(p.addr)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.Do("BGREWRITEAOF")
				if err != nil {
					return
				}
				if v.Str == "Background append only file rewriting started" {
					n++
				}
			}
		}()
		target := total.Load() + 2000 + rand.Int64N(20000)
		seamtest.Eventually(t, "acknowledged SETs before the kill", func() bool { return total.Load() >= target })
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		close(stop)
		rewrites += <-asked
		wait()
	}
	t.Logf("%d rewrites started over %d runs killed by SIGKILL", rewrites, rounds)
	if rewrites == 0 {
		t.Fatal("no rewrite was started")
	}
	cfg, _ := testConfig(t, dir)
	checkAcked(t, cfg, all)
}
