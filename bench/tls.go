package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/internal/loopback"
)

// The TLS workload's figures: throughput over TLS at each pipeline depth,
// and new TLS connections per second (a handshake and one GET each).
func tlsThroughputFig(cmd string, conns, pipeline int) figure {
	f := throughputFig(cmd, conns, pipeline)
	f.key, f.name = "tls_"+f.key, "TLS "+f.name
	return f
}

var figTLSChurn = figure{key: "tls_churn", unit: "conn/s"}

// tlsCPUFig is the server's CPU time per request (per connection in the
// churn test) of the TLS figure f. On a machine shared with other work
// the req/s of both servers swing by half from round to round, and their
// ratio with them; the work each server does for a request moves far
// less, and says where the difference is.
func tlsCPUFig(f figure) figure {
	unit := "request"
	if f.key == figTLSChurn.key {
		unit = "connection"
	}
	return figure{key: f.key + "_cpu", unit: "µs", name: f.name + ": server CPU per " + unit}
}

// tlsFiles is a self-signed certificate for 127.0.0.1 and its key, made
// for the run in its temporary directory: redis-benchmark is run with
// --insecure, so nothing needs to trust it.
type tlsFiles struct{ cert, key string }

func makeTLSFiles(dir string) (tlsFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tlsFiles{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "bench"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tlsFiles{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tlsFiles{}, err
	}
	f := tlsFiles{cert: filepath.Join(dir, "tls-cert.pem"), key: filepath.Join(dir, "tls-key.pem")}
	if err := os.WriteFile(f.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return tlsFiles{}, err
	}
	return f, os.WriteFile(f.key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// startTLS runs sys with a TLS port: the kv example (or its build from
// -before) with -tls-addr, or redis-server with --tls-port, both with the same certificate and no
// client certificates, and waits until the TLS port answers PING. The
// process's addr is then the TLS port's: the start probed the plain one.
func (h *harness) startTLS(ctx context.Context, sys system, files tlsFiles) (*process, error) {
	h.starts++
	logPath := filepath.Join(h.tmp, fmt.Sprintf("%03d-%s-tls.log", h.starts, sys))
	if sys == sysBare {
		// The baseline serves TLS alone, on a port it picks and names on
		// its control channel.
		p, err := h.launch(ctx, sys, h.bins[binBareKV], []string{"-addr", "127.0.0.1:0", "-track=false",
			"-tls-cert-file", files.cert, "-tls-key-file", files.key}, logPath, "", true)
		if err != nil {
			return nil, err
		}
		return servingTLS(ctx, p, p.addr)
	}
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	tlsAddr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, tlsPort, _ := net.SplitHostPort(tlsAddr)
	var bin string
	var args []string
	switch sys {
	case sysSeam, sysBefore:
		bin = h.bins[binKV]
		if sys == sysBefore {
			bin = h.bins[binKVBefore]
		}
		args = append(kvArgs(addr), "-maxconns", strconv.Itoa(h.cfg.maxConns()),
			"-tls-addr", tlsAddr, "-tls-cert-file", files.cert, "-tls-key-file", files.key)
	case sysRedis:
		_, port, _ := net.SplitHostPort(addr)
		bin = h.redisSv
		args = []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--maxclients", strconv.Itoa(h.cfg.maxConns()), "--dir", h.tmp, "--loglevel", "warning",
			"--tls-port", tlsPort, "--tls-cert-file", files.cert, "--tls-key-file", files.key, "--tls-auth-clients", "no"}
	default:
		return nil, fmt.Errorf("the tls workload has no %s", sys)
	}
	p, err := h.launch(ctx, sys, bin, args, logPath, addr, false)
	if err != nil {
		return nil, err
	}
	return servingTLS(ctx, p, tlsAddr)
}

// servingTLS returns p, to be loaded on tlsAddr, once a TLS PING there
// gets its PONG; if none does, it kills p.
func servingTLS(ctx context.Context, p *process, tlsAddr string) (*process, error) {
	if err := probeTLS(ctx, tlsAddr); err != nil {
		p.kill()
		return nil, fmt.Errorf("%s did not answer on its TLS port %s: %w (log: %s)", p.sys, tlsAddr, err, p.tail())
	}
	p.addr = tlsAddr
	return p, nil
}

// probeTLS waits until a TLS PING on addr gets its PONG: the kv example
// starts its TLS port just after its plain one.
func probeTLS(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}}
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			err = ctl.Ping(ctx, c)
			c.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// tlsLoad runs l over TLS with redis-benchmark; the Go generator speaks
// no TLS.
func (h *harness) tlsLoad(ctx context.Context, l load) (float64, error) {
	if h.redisBm == "" {
		return 0, errors.New("the tls workload needs redis-benchmark (redis-tools) on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
	defer cancel()
	bin, args := pinned(h.pin.load, h.redisBm, append(redisBenchmarkArgs(l), "--tls", "--insecure"))
	return redisBenchmark(ctx, bin, args, l.cmd)
}

// withCPU is gen that also records the server's CPU time per request
// of each load as figure tlsCPUFig(fig(l)), where the system allows it
// (Linux: /proc).
func (h *harness) withCPU(procs []*process, round int, gen func(context.Context, load) (float64, error),
	fig func(load) figure,
) func(context.Context, load) (float64, error) {
	return func(ctx context.Context, l load) (float64, error) {
		var p *process
		for _, s := range procs {
			if s.addr == l.addr {
				p = s
			}
		}
		if p == nil {
			return gen(ctx, l)
		}
		cpu0, cpuErr := cpuSeconds(p.pid())
		rps, err := gen(ctx, l)
		cpu1, cpuErr1 := cpuSeconds(p.pid())
		if err == nil && cpuErr == nil && cpuErr1 == nil && l.requests > 0 {
			h.add(tlsCPUFig(fig(l)), p.sys, round, (cpu1-cpu0)*1e6/float64(l.requests))
		}
		return rps, err
	}
}

// tlsWorkload is throughput (SET then GET at each pipeline depth) and
// churn over TLS, each with the server's CPU time per request, on seam's
// kv example (and its build from -before), the bare baseline behind
// crypto/tls's listener, and redis-server, each test on all of them back
// to back, as the plain workloads do.
func (h *harness) tlsWorkload(ctx context.Context, systems []system, round int) error {
	files, err := makeTLSFiles(h.tmp)
	if err != nil {
		return err
	}
	procs, stopAll, err := h.startEach(ctx, systems,
		func(ctx context.Context, sys system) (*process, error) { return h.startTLS(ctx, sys, files) }, nil)
	if err != nil {
		return err
	}
	defer stopAll()
	gen := h.withCPU(procs, round, h.tlsLoad, func(l load) figure { return tlsThroughputFig(l.cmd, l.conns, l.pipeline) })
	if err := h.throughputTests(ctx, procs, round, gen, tlsThroughputFig); err != nil {
		return err
	}
	f := figTLSChurn
	f.name = fmt.Sprintf("new TLS connections (handshake and GET), %d clients", h.cfg.conns)
	gen = h.withCPU(procs, round, h.tlsLoad, func(load) figure { return f })
	if err := h.churnTest(ctx, procs, round, gen, f); err != nil {
		return err
	}
	return stopAll()
}
