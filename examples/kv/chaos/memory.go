package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
)

// The cases of large values and the memory they cost.

// payload is one buffer the large cases send slices of, so that the
// harness does not hold a copy per client.
var payload = sync.OnceValue(func() []byte { return bytes.Repeat([]byte("v"), 256<<20) })

// sendBig writes a command whose last arguments are the given values,
// without copying them, and reads its reply.
func sendBig(addr string, args []string, vals [][]byte) (respclient.Value, error) {
	c, err := dial(addr)
	if err != nil {
		return respclient.Value{}, err
	}
	defer c.Close()
	c.Conn().SetDeadline(time.Now().Add(2 * time.Minute))
	mset := args[0] == "MSET" // a key before each further value
	n := len(args) + len(vals)
	if mset {
		n += len(vals) - 1
	}
	var hdr bytes.Buffer
	fmt.Fprintf(&hdr, "*%d\r\n", n)
	for _, a := range args {
		fmt.Fprintf(&hdr, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Conn().Write(hdr.Bytes()); err != nil {
		return respclient.Value{}, err
	}
	for i, v := range vals {
		if i > 0 && mset {
			k := args[len(args)-1] + strconv.Itoa(i)
			fmt.Fprintf(c.Conn(), "$%d\r\n%s\r\n", len(k), k)
		}
		fmt.Fprintf(c.Conn(), "$%d\r\n", len(v))
		if _, err := c.Conn().Write(v); err != nil {
			return respclient.Value{}, err
		}
		io.WriteString(c.Conn(), "\r\n")
	}
	return c.Receive()
}

func bigSet(ctx context.Context, e env, t target, dir string) result {
	return setBig(ctx, t, opts{dir: dir}, dir, 250<<20)
}

// bigSetAOF is bigSet with the append-only file on: the record of the SET
// must not cost a second copy of the value. The automatic rewrite is off:
// the 100 MB file would set one off within a second, racing the reading
// of the peak, and a rewrite's dump costs a copy of its own.
func bigSetAOF(ctx context.Context, e env, t target, dir string) result {
	return setBig(ctx, t, opts{dir: dir, aof: true, fsync: "everysec", noAutoRewrite: true}, dir, 150<<20)
}

// bigSetAOFRewrite is bigSetAOF with the default automatic rewrite, which
// the 100 MB file sets off at once: the peak is read once that rewrite is
// over, so that it counts the rewrite's dump of the value too.
func bigSetAOFRewrite(ctx context.Context, e env, t target, dir string) result {
	return setBig(ctx, t, opts{dir: dir, aof: true, fsync: "everysec"}, dir, 150<<20)
}

// rewriteDone waits until the server has finished an AOF rewrite and has
// none in progress or scheduled, as INFO reports.
func rewriteDone(ctx context.Context, addr string) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		v, err := c.Do("INFO")
		if err != nil {
			return err
		}
		f := map[string]string{}
		for _, l := range strings.Split(v.Str, "\r\n") {
			if k, val, ok := strings.Cut(l, ":"); ok {
				f[k] = val
			}
		}
		if n, _ := strconv.Atoi(f["aof_rewrites"]); n > 0 && f["aof_rewrite_in_progress"] == "0" && f["aof_rewrite_scheduled"] == "0" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no AOF rewrite done in 2m (aof_rewrites %q, in progress %q)", f["aof_rewrites"], f["aof_rewrite_in_progress"])
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling the server's INFO, not synchronising a test
		}
	}
}

// setBig sends one 100 MB SET to a server started with o; the peak RSS
// must stay under limit.
func setBig(ctx context.Context, t target, o opts, dir string, limit int64) result {
	s, err := start(ctx, t, o, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	v, err := sendBig(s.addr, []string{"SET", "big"}, [][]byte{payload()[:100<<20]})
	if err != nil || v.Str != "OK" {
		return fail("SET: %v %v", v, err)
	}
	if !o.noAutoRewrite && o.aof {
		if err := rewriteDone(ctx, s.addr); err != nil {
			return fail("%v", err)
		}
	}
	peak := s.mem("VmHWM")
	return result{fig: "peak " + mb(peak), ok: peak < limit}
}

func fourBig(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			v, err := sendBig(s.addr, []string{"SET", "big" + strconv.Itoa(i)}, [][]byte{payload()})
			if err == nil && v.Str != "OK" {
				err = errors.New(v.String())
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			return fail("SET: %v", err)
		}
	}
	peak := s.mem("VmHWM")
	c, err := dial(s.addr)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	if v, err := c.Do("DEL", "big0", "big1", "big2", "big3"); err != nil || v.Int != 4 {
		return fail("DEL: %v %v", v, err)
	}
	deleted := time.Now()
	for {
		rss := s.mem("VmRSS")
		if rss < 100<<20 {
			return result{fig: fmt.Sprintf("peak %s; %s %v after DEL", mb(peak), mb(rss), time.Since(deleted).Round(100*time.Millisecond)), ok: true}
		}
		if time.Since(deleted) > 10*time.Second || ctx.Err() != nil {
			return fail("peak %s; still %s 10 s after DEL", mb(peak), mb(rss))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func bigMSet(ctx context.Context, e env, t target, dir string) result {
	s, err := start(ctx, t, opts{dir: dir}, filepath.Join(dir, "log"))
	if err != nil {
		return fail("%v", err)
	}
	defer s.kill()
	v := payload()[:200<<20]
	r, err := sendBig(s.addr, []string{"MSET", "m"}, [][]byte{v, v, v})
	if err != nil || r.Str != "OK" {
		return fail("MSET: %v %v", r, err)
	}
	rss, peak := s.mem("VmRSS"), s.mem("VmHWM")
	return result{fig: fmt.Sprintf("resident %s, peak %s", mb(rss), mb(peak)), ok: rss < 1200<<20}
}
