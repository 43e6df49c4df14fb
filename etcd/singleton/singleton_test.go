package singleton_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/thejerf/suture/v4"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seamgo/seam/etcd/internal/etcdtest"
	"github.com/seamgo/seam/etcd/singleton"
	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// probe is a Child that reports each of its runs: the fence it was given
// at the start, and the same fence once its ctx ended.
type probe struct {
	started, stopped chan singleton.Fence
	// order, if set, receives "<name> started" and "<name> stopped", so
	// that a test sees which of two instances' events came first.
	order chan string
	name  string
	// fail makes the next run return an error at once, after reporting
	// its start.
	fail chan struct{}
	// quit makes the run end its supervisor, and so the term.
	quit chan struct{}
}

func newProbe(name string, order chan string) *probe {
	return &probe{
		name:    name,
		order:   order,
		started: make(chan singleton.Fence, 16),
		stopped: make(chan singleton.Fence, 16),
		fail:    make(chan struct{}, 1),
		quit:    make(chan struct{}, 1),
	}
}

func (p *probe) String() string { return "probe " + p.name }

func (p *probe) Serve(ctx context.Context) error {
	f, ok := singleton.FromContext(ctx)
	if !ok {
		return errors.New("probe: no fence in ctx")
	}
	p.note("started")
	p.started <- f
	select {
	case <-p.fail:
		return errors.New("probe: asked to fail")
	case <-p.quit:
		return suture.ErrTerminateSupervisorTree
	case <-ctx.Done():
	}
	p.note("stopped")
	p.stopped <- f
	return ctx.Err()
}

func (p *probe) note(what string) {
	if p.order != nil {
		p.order <- p.name + " " + what
	}
}

// instance builds a Service of the election "job" over its own client.
func instance(t *testing.T, endpoint string, ttl time.Duration, child suture.Service) (*singleton.Service, *clientv3.Client) {
	t.Helper()
	cli := etcdtest.NewClient(t, endpoint)
	return &singleton.Service{Name: "job", Client: cli, Child: child, TTL: ttl, StopTimeout: seamtest.Wait}, cli
}

// alone starts one instance of the election "job" on a fresh etcd at url
// and returns once it leads: the instance, its child's probe and the
// fence the child started with.
func alone(t *testing.T) (url string, a *singleton.Service, p *probe, f singleton.Fence) {
	t.Helper()
	url = etcdtest.Start(t)
	p = newProbe("a", nil)
	a, _ = instance(t, url, 2*time.Second, p)
	seamtest.Start(t, a)
	return url, a, p, seamtest.Recv(t, p.started, "the child to start")
}

// duo is two instances of the election "job": a, started first, leads
// with fence fa; b, started once a leads, stands by.
type duo struct {
	a, b   *singleton.Service
	pa, pb *probe
	cliA   *clientv3.Client
	servA  *seamtest.Served
	servB  *seamtest.Served
	fa     singleton.Fence
}

// startDuo starts a over endpointA and b over endpointB.
func startDuo(t *testing.T, endpointA, endpointB string, ttl time.Duration, order chan string) *duo {
	t.Helper()
	d := &duo{pa: newProbe("a", order), pb: newProbe("b", order)}
	d.a, d.cliA = instance(t, endpointA, ttl, d.pa)
	d.b, _ = instance(t, endpointB, ttl, d.pb)
	d.servA = seamtest.Start(t, d.a)
	d.fa = seamtest.Recv(t, d.pa.started, "a's child to start")
	d.servB = seamtest.Start(t, d.b) // returns once b is ready, though it does not lead
	return d
}

func TestLeaderRunsStandbyWaitsReady(t *testing.T) {
	url := etcdtest.Start(t)
	d := startDuo(t, url, url, 2*time.Second, nil)
	a, b, fa := d.a, d.b, d.fa
	if fa.Revision <= 0 || !strings.HasPrefix(fa.Key, "/seam/singleton/job/") {
		t.Fatalf("fence %+v: want a positive revision on a key under the election's prefix", fa)
	}
	if st := b.Stats(); st.Role != singleton.RoleStandby || st.Terms != 0 {
		t.Fatalf("b: have %+v, want a standby that never led", st)
	}
	if have, want := a.String(), "job [leader "; !strings.HasPrefix(have, want) {
		t.Fatalf("a.String() = %q, want prefix %q", have, want)
	}
	if have, want := b.String(), "job [standby]"; have != want {
		t.Fatalf("b.String() = %q, want %q", have, want)
	}
	if a.GetSupervisor() == nil || b.GetSupervisor() != nil {
		t.Fatal("want a child supervisor on the leader only")
	}
	select {
	case f := <-d.pb.started:
		t.Fatalf("b's child started with %+v while a leads", f)
	default:
	}
}

func TestCrashedLeaderIsReplaced(t *testing.T) {
	url := etcdtest.Start(t)
	d := startDuo(t, url, url, 2*time.Second, nil)
	a, cliA, pa, pb, fa := d.a, d.cliA, d.pa, d.pb, d.fa

	// A crash as etcd sees it: a's client goes away, its lease is no
	// longer renewed, nothing is revoked.
	cliA.Close()
	seamtest.Recv(t, pa.stopped, "a's child to stop")
	fb := seamtest.Recv(t, pb.started, "b's child to start once a's lease expired")
	if fb.Revision <= fa.Revision {
		t.Fatalf("b's fence %d, want more than a's %d", fb.Revision, fa.Revision)
	}
	if st := a.Stats(); st.Role == singleton.RoleLeader || st.Lost != 1 {
		t.Fatalf("a: have %+v, want no longer leading, one term lost", st)
	}
}

// A standby does not wait for etcd to expire the lease of a leader that
// died: it revokes that lease itself once the leader must have stopped,
// and only then leads.
func TestStandbyRevokesLeaseOfDeadLeader(t *testing.T) {
	url := etcdtest.Start(t)
	order := make(chan string, 16)
	// A TTL long enough that the standby's revoke, due TTL/8 before
	// the lease expires, comes well before etcd's own sweep on a busy
	// machine.
	d := startDuo(t, url, url, 4*time.Second, order)
	if have := seamtest.Recv(t, order, "a's start"); have != "a started" {
		t.Fatalf("first event %q", have)
	}

	// a dies as etcd sees it: no renewal, no revoke.
	d.cliA.Close()
	seamtest.Recv(t, d.pb.started, "b's child to start")
	if have := seamtest.Recv(t, order, "the next event"); have != "a stopped" {
		t.Fatalf("after a's death, first event %q, want a's child stopped before b's started", have)
	}
	if st := d.b.Stats(); st.Reclaimed != 1 {
		t.Fatalf("b: have %+v, want one lease reclaimed", st)
	}
	if have := etcdMetric(t, url, "etcd_debugging_server_lease_expired_total"); have != 0 {
		t.Fatalf("etcd expired %v leases itself, want 0: b should have revoked a's first", have)
	}
}

// etcdMetric reads one metric without labels from etcd's /metrics.
func etcdMetric(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("etcd's /metrics has no %s (%v)", name, sc.Err())
	return 0
}

func TestStopResignsAtOnce(t *testing.T) {
	url := etcdtest.Start(t)
	// A TTL far longer than the test's wait: b can lead in time only if
	// a's stop revokes its lease.
	d := startDuo(t, url, url, time.Hour, nil)
	a, pa, pb := d.a, d.pa, d.pb

	if err := d.servA.Stop(); err != nil {
		t.Fatalf("a's Serve returned %v, want nil", err)
	}
	seamtest.Recv(t, pa.stopped, "a's child to stop")
	seamtest.Recv(t, pb.started, "b's child to start after a resigned")
	if st := a.Stats(); st.Role != singleton.RoleStopped || st.Lost != 0 {
		t.Fatalf("a: have %+v, want stopped with no term lost", st)
	}
}

// A leader cut off from etcd stops its child on its own clock, before
// etcd lets the other instance lead.
func TestPartitionStopsLeaderBeforeAnotherLeads(t *testing.T) {
	url := etcdtest.Start(t)
	proxy := etcdtest.NewCutProxy(t, strings.TrimPrefix(url, "http://"))
	order := make(chan string, 16)
	d := startDuo(t, proxy.URL(), url, 2*time.Second, order)
	if have := seamtest.Recv(t, order, "a's start"); have != "a started" {
		t.Fatalf("first event %q", have)
	}

	proxy.Cut()
	seamtest.Recv(t, d.pb.started, "b's child to start")
	if have := seamtest.Recv(t, order, "the next event"); have != "a stopped" {
		t.Fatalf("after the partition, first event %q, want a's child stopped before b's started", have)
	}
}

func TestStaleLeaderWriteIsRefused(t *testing.T) {
	url := etcdtest.Start(t)
	d := startDuo(t, url, url, 2*time.Second, nil)
	fa := d.fa
	d.cliA.Close()
	fb := seamtest.Recv(t, d.pb.started, "b's child to start")

	writer := etcdtest.NewClient(t, url)
	ctx := context.Background()
	put := func(f singleton.Fence, v string) bool {
		t.Helper()
		resp, err := writer.Txn(ctx).If(f.Guard()).Then(clientv3.OpPut("/jobs/last", v)).Commit()
		if err != nil {
			t.Fatalf("txn: %v", err)
		}
		return resp.Succeeded
	}
	if put(fa, "from a") {
		t.Fatal("a's write under its old fence succeeded after b took over")
	}
	if !put(fb, "from b") {
		t.Fatal("b's write under its fence was refused")
	}
	resp, err := writer.Get(ctx, "/jobs/last")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "from b" {
		t.Fatalf("get: %v %v, want the value b wrote", resp, err)
	}
}

// A child that fails while its instance leads is restarted within the
// same term: leadership is not given up for it.
func TestChildFailureKeepsTheTerm(t *testing.T) {
	_, a, p, f1 := alone(t)
	p.fail <- struct{}{}
	f2 := seamtest.Recv(t, p.started, "the child to start again")
	if f1 != f2 {
		t.Fatalf("fence changed from %+v to %+v across a child restart", f1, f2)
	}
	if st := a.Stats(); st.Terms != 1 || st.Lost != 0 {
		t.Fatalf("have %+v, want one term, none lost", st)
	}
}

func TestCollector(t *testing.T) {
	_, a, _, f := alone(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(a.Collector())

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		if l := m.GetLabel(); len(l) != 1 || l[0].GetValue() != "job" {
			t.Fatalf("%s: labels %v, want election=job", mf.GetName(), l)
		}
		have[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	want := map[string]float64{
		"seam_singleton_leader":          1,
		"seam_singleton_fence":           float64(f.Revision),
		"seam_singleton_terms_total":     1,
		"seam_singleton_lost_total":      0,
		"seam_singleton_reclaimed_total": 0,
	}
	for k, v := range want {
		if have[k] != v {
			t.Errorf("%s = %v, want %v", k, have[k], v)
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		svc  *singleton.Service
	}{
		{"no name", &singleton.Service{Client: &clientv3.Client{}, Child: newProbe("x", nil)}},
		{"no client", &singleton.Service{Name: "x", Child: newProbe("x", nil)}},
		{"no child", &singleton.Service{Name: "x", Client: &clientv3.Client{}}},
		{"negative ttl", &singleton.Service{Name: "x", Client: &clientv3.Client{}, Child: newProbe("x", nil), TTL: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.svc.Serve(context.Background())
			if !errors.Is(err, supervisor.ErrBadConfig) || !errors.Is(err, suture.ErrDoNotRestart) {
				t.Fatalf("Serve = %v, want ErrBadConfig and ErrDoNotRestart", err)
			}
		})
	}
}

// A lease revoked behind the leader's back (an operator, a compaction of
// leases) ends the term; the instance campaigns again and, alone, leads a
// new term.
func TestRevokedLeaseEndsTheTerm(t *testing.T) {
	url, a, p, f1 := alone(t)

	admin := etcdtest.NewClient(t, url)
	ctx := context.Background()
	resp, err := admin.Get(ctx, f1.Key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get leader key: %v %v", resp, err)
	}
	if _, err := admin.Revoke(ctx, clientv3.LeaseID(resp.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, p.stopped, "the child to stop")
	f2 := seamtest.Recv(t, p.started, "the child to start in a new term")
	if f2.Revision <= f1.Revision {
		t.Fatalf("new term's fence %d, want more than %d", f2.Revision, f1.Revision)
	}
	if st := a.Stats(); st.Terms != 2 || st.Lost != 1 {
		t.Fatalf("have %+v, want two terms, one lost", st)
	}
}

// A term that ends while etcd is out of reach leaves its lease, and its
// key, ahead of every candidate, this instance's next term included. The
// instance revokes that lease as soon as etcd answers again rather than
// letting it run out: here in an hour, far past the test's wait.
func TestLeftoverLeaseRevokedWhenEtcdAnswers(t *testing.T) {
	url := etcdtest.Start(t)
	proxy := etcdtest.NewCutProxy(t, strings.TrimPrefix(url, "http://"))
	p := newProbe("a", nil)
	a, _ := instance(t, proxy.URL(), time.Hour, p)
	logs := seamtest.NewLogs(t)
	a.Logger = logs.Logger()
	seamtest.Start(t, a)
	f1 := seamtest.Recv(t, p.started, "the child to start")

	proxy.Cut()
	p.quit <- struct{}{} // the term ends while etcd is out of reach
	ev := logs.WaitFor(t, "lease not revoked")
	if have, want := ev["lease"], strings.TrimPrefix(f1.Key, "/seam/singleton/job/"); have != want {
		t.Fatalf("lease not revoked: %v, want the first term's lease %s", ev, want)
	}
	proxy.Heal()
	f2 := seamtest.Recv(t, p.started, "the child to start in a new term")
	if f2.Revision <= f1.Revision {
		t.Fatalf("new term's fence %d, want more than %d", f2.Revision, f1.Revision)
	}
}

// A standby cut off from etcd, waiting for its turn, still stops when
// asked, and its Serve returns nil: nothing waits for etcd to come back.
func TestStandbyCutOffStops(t *testing.T) {
	url := etcdtest.Start(t)
	proxy := etcdtest.NewCutProxy(t, strings.TrimPrefix(url, "http://"))
	d := startDuo(t, url, proxy.URL(), 2*time.Second, nil)
	cli := etcdtest.NewClient(t, url)
	seamtest.Eventually(t, "b's key in the election", func() bool {
		resp, err := cli.Get(context.Background(), "/seam/singleton/job/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		return err == nil && resp.Count == 2
	})
	proxy.Cut()
	if err := d.servB.Stop(); err != nil {
		t.Fatalf("b's Serve: %v", err)
	}
	if st := d.b.Stats(); st.Role != singleton.RoleStopped || st.Terms != 0 {
		t.Fatalf("b after its stop: %+v", st)
	}
}

// The role shows in the logs: an operator reads who leads there.
func TestRoleInLogs(t *testing.T) {
	url := etcdtest.Start(t)
	logsA, logsB := seamtest.NewLogs(t), seamtest.NewLogs(t)
	a, _ := instance(t, url, 2*time.Second, newProbe("a", nil))
	b, _ := instance(t, url, 2*time.Second, newProbe("b", nil))
	a.Logger, b.Logger = logsA.Logger(), logsB.Logger()
	sa := seamtest.Start(t, a)
	if ev := logsA.WaitFor(t, "leading"); ev["election"] != "job" || ev["fence"] == nil {
		t.Fatalf("leading: %v, want the election and the fence", ev)
	}
	seamtest.Start(t, b)
	logsB.WaitFor(t, "standing by: campaigning")
	sa.Stop()
	logsA.WaitFor(t, "no longer leading")
	logsB.WaitFor(t, "leading")
}
