package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"
)

// instance is one kv server of the pair: its ports, chosen by the kernel
// at the first start and kept for every restart, and its own AOF.
type instance struct {
	name  string // a, b: also haproxy's server name
	bin   string // the kv binary
	dir   string
	addr  string // 127.0.0.1:port of the RESP listener, once known
	admin string // 127.0.0.1:port of the admin endpoints, once known
	args  []string
	p     *proc
}

// addrRE finds the address in kv's JSON log lines: the listener's
// "listening" line and the admin server's "http serving" line.
var addrRE = regexp.MustCompile(`"addr":"([^"]+)"`)

// start runs kv and waits until it listens on both ports and /readyz
// answers 200. The first start asks for ports the kernel picks and reads
// them from the log, so no port is ever guessed; later starts bind the
// same ones again.
func (in *instance) start(ctx context.Context, started func(*os.Process)) error {
	addr, admin := in.addr, in.admin
	if addr == "" {
		addr, admin = "127.0.0.1:0", "127.0.0.1:0"
	}
	args := append([]string{
		"-addr", addr, "-admin", admin,
		"-aof", filepath.Join(in.dir, "kv-"+in.name+".aof"),
		"-logformat", "json",
	}, in.args...)
	cmd := exec.Command(in.bin, args...)
	p, err := startProc("kv "+in.name, cmd, filepath.Join(in.dir, "kv-"+in.name+".log"), started)
	if err != nil {
		return err
	}
	in.p = p
	line, err := p.waitLine(ctx, 0, `"message":"http serving"`)
	if err != nil {
		return err
	}
	in.admin = addrRE.FindStringSubmatch(line)[1]
	if line, err = p.waitLine(ctx, 0, `"message":"listening"`); err != nil {
		return err
	}
	in.addr = addrRE.FindStringSubmatch(line)[1]
	return in.waitReady(ctx)
}

// probe is the HTTP client for /readyz. Without keep-alives no connection
// (and no goroutine) outlives a probe.
var probe = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// waitReady waits for /readyz to answer 200, asking every 10ms. The
// readiness of the tree is announced only there (and in the log), so this
// is a wait on the state itself, not a guess at how long it takes.
func (in *instance) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := probe.Get("http://" + in.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-in.p.done:
			return fmt.Errorf("kv %s exited (%v) before /readyz answered 200; its log:\n%s", in.name, in.p.err, in.p.tail(20))
		case <-ctx.Done():
			return fmt.Errorf("kv %s: /readyz not 200 within %v (last: %v)", in.name, waitLimit, err)
		}
	}
}
