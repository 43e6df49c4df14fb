// Package etcdtest starts a real etcd for the tests of this module, on
// ports the kernel chose, and cuts a client off from it on demand.
package etcdtest

import (
	"context"
	"io"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/seamgo/seam/listener/seamtest"
)

// Start runs a one-member etcd in a temporary directory on ports the
// kernel chose, and returns its client URL. The test is skipped when the
// etcd binary is missing.
func Start(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd not found in PATH (Debian package etcd-server): skipping tests against a real etcd")
	}
	client, peer := "http://"+seamtest.FreeAddr(t), "http://"+seamtest.FreeAddr(t)
	cmd := exec.Command(bin,
		"--name", "test",
		"--data-dir", t.TempDir(),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test="+peer,
		"--log-level", "error",
	)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	cli := NewClient(t, client)
	seamtest.Eventually(t, "etcd to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := cli.Get(ctx, "ping")
		return err == nil
	})
	return client
}

// NewClient returns an etcd client closed when the test ends.
func NewClient(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// CutProxy forwards TCP to an address until cut: then it closes every
// connection and refuses new ones (accepting and closing them at once),
// as a partition does to a client, until healed.
type CutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
	wg    sync.WaitGroup
}

// NewCutProxy starts a proxy to target, closed when the test ends.
func NewCutProxy(t *testing.T, target string) *CutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CutProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		p.Cut()
		ln.Close()
		p.wg.Wait()
	})
	return p
}

// URL is the proxy's address as an etcd endpoint.
func (p *CutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *CutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if p.track(c, up) {
			p.wg.Add(2)
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}
}

// track records the two ends of a forwarded connection, or closes them
// and reports false while the proxy is cut.
func (p *CutProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

func (p *CutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut closes every connection through the proxy, and every new one until
// Heal.
func (p *CutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Heal lets new connections through again.
func (p *CutProxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}
