package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// pubsub: three publishers through haproxy, one subscriber through
// haproxy; every message arrives, each publisher's in order.
func (f *fleet) pubsub(ctx context.Context) error {
	sub, err := dialRESP(f.front)
	if err != nil {
		return err
	}
	defer sub.Close()
	if have, err := sub.do("SUBSCRIBE", "fleet"); err != nil || have != "subscribe fleet 1" {
		return fmt.Errorf("SUBSCRIBE: %q, %v", have, err)
	}
	const publishers = 3
	per := f.cfg.messages / publishers
	start := time.Now()
	errs := make(chan error, publishers)
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- publish(f.front, p, per)
		}()
	}
	next := make([]int, publishers) // next sequence number expected of each publisher
	for range publishers * per {
		msg, err := sub.reply(time.Now().Add(waitLimit))
		if err != nil {
			return fmt.Errorf("subscriber, after %v messages: %w", next, err)
		}
		var p, seq int
		if _, err := fmt.Sscanf(msg, "message fleet %d-%d", &p, &seq); err != nil || p < 0 || p >= publishers {
			return fmt.Errorf("subscriber got %q", msg)
		}
		if seq != next[p] {
			return fmt.Errorf("publisher %d: message %d arrived when %d was due", p, seq, next[p])
		}
		next[p]++
	}
	elapsed := time.Since(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(f.cfg.out, "pubsub: %d of %d messages from %d publishers through haproxy, each publisher's in order, in %v (%.0f msg/s)\n",
		publishers*per, publishers*per, publishers, elapsed.Round(time.Millisecond), float64(publishers*per)/elapsed.Seconds())
	return nil
}

// publish sends n PUBLISHes "p-seq" on one connection through addr.
func publish(addr string, p, n int) error {
	c, err := dialRESP(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	for i := range n {
		if _, err := c.do("PUBLISH", "fleet", fmt.Sprintf("%d-%d", p, i)); err != nil {
			return fmt.Errorf("publisher %d, message %d: %w", p, i, err)
		}
	}
	return nil
}

// record is one run of the once example, as it stores it in etcd.
type record struct {
	Instance string    `json:"instance"`
	Fence    int64     `json:"fence"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

func (f *fleet) records(ctx context.Context) ([]record, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := f.cli.Get(ctx, "/seam/once/runs/", clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	rs := make([]record, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var r record
		if err := json.Unmarshal(kv.Value, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", kv.Key, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// runAfter waits for a run started after t by another term than fence,
// and returns it.
func (f *fleet) runAfter(ctx context.Context, t time.Time, fence int64) (record, error) {
	var found record
	err := until(ctx, "a run by a new leader", func() bool {
		rs, err := f.records(ctx)
		if err != nil {
			return false
		}
		for _, r := range rs {
			if r.Start.After(t) && r.Fence > fence {
				found = r
				return true
			}
		}
		return false
	})
	return found, err
}

// leader returns the index of the once instance that leads, from its
// /metrics, and its fence.
func (f *fleet) leader(ctx context.Context) (int, int64, error) {
	idx, fence := -1, int64(0)
	err := until(ctx, "one leader", func() bool {
		for i, admin := range f.admin {
			if !f.once[i].running() {
				continue
			}
			m := metrics(admin)
			if m["seam_singleton_leader"] == 1 {
				idx, fence = i, int64(m["seam_singleton_fence"])
				return true
			}
		}
		return false
	})
	return idx, fence, err
}

// metrics reads an admin port's /metrics into name -> value, labels
// dropped.
func metrics(admin string) map[string]float64 {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + admin + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "{")
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			m[name] = v
		}
	}
	return m
}

// failover kills the leader again and again, then stops it gracefully.
func (f *fleet) failover(ctx context.Context) error {
	// The lease of a leader killed just after a renewal lasts the whole
	// TTL; the standby revokes it before it lapses, and the job's first
	// run comes one interval after its instance begins to lead.
	bound := f.cfg.ttl + f.cfg.interval
	var kills []time.Duration
	for round := range f.cfg.rounds + 1 {
		i, fence, err := f.leader(ctx)
		if err != nil {
			return err
		}
		sig, how := syscall.SIGKILL, "SIGKILL"
		if round == f.cfg.rounds {
			sig, how = syscall.SIGTERM, "SIGTERM"
		}
		t0 := time.Now()
		if err := f.once[i].signal(sig); err != nil {
			return err
		}
		r, err := f.runAfter(ctx, t0, fence)
		if err != nil {
			return fmt.Errorf("after %s of %s: %w", how, f.once[i].name, err)
		}
		took := r.Start.Sub(t0)
		fmt.Fprintf(f.cfg.out, "failover: %s of the leader %s (fence %d): %s ran the job %v later (fence %d; leases it reclaimed: %v); bound %v\n",
			how, f.once[i].name, fence, r.Instance, took.Round(time.Millisecond), r.Fence, f.reclaimed(r.Instance), bound)
		switch {
		case sig == syscall.SIGTERM && f.once[i].exitCode() != 0:
			return fmt.Errorf("%s exited %d after SIGTERM", f.once[i].name, f.once[i].exitCode())
		case !f.cfg.timed:
		case sig == syscall.SIGTERM && took >= f.cfg.ttl:
			return fmt.Errorf("SIGTERM handover took %v, not less than the TTL %v: the stop did not resign", took, f.cfg.ttl)
		case took > bound:
			return fmt.Errorf("takeover took %v, more than TTL + interval (%v)", took, bound)
		}
		if sig == syscall.SIGKILL {
			kills = append(kills, took)
		}
		if err := f.once[i].start(); err != nil {
			return err
		}
		if err := until(ctx, f.once[i].name+" ready again", func() bool { return ready(f.admin[i]) }); err != nil {
			return err
		}
	}
	if len(kills) > 0 {
		slices.Sort(kills)
		fmt.Fprintf(f.cfg.out, "failover: takeover after SIGKILL: median %v, worst %v of %d (bound: TTL %v + interval %v)\n",
			kills[len(kills)/2].Round(time.Millisecond), kills[len(kills)-1].Round(time.Millisecond), len(kills), f.cfg.ttl, f.cfg.interval)
	}
	return f.noOverlap(ctx)
}

// reclaimed returns how many leases ahead of it the once instance named
// id has revoked, from its /metrics: whether takeovers come from the
// standby's revoke or from etcd's own expiry.
func (f *fleet) reclaimed(id string) float64 {
	for i, p := range f.once {
		if p.name == "once-"+id {
			return metrics(f.admin[i])["seam_singleton_reclaimed_total"]
		}
	}
	return 0
}

// noOverlap checks the runs recorded so far: ordered by start, each
// completed run ended before the next began, and fences never go down.
func (f *fleet) noOverlap(ctx context.Context) error {
	rs, err := f.records(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(rs, func(a, b record) int { return a.Start.Compare(b.Start) })
	cut := 0
	for i := 1; i < len(rs); i++ {
		prev, r := rs[i-1], rs[i]
		if prev.End.IsZero() {
			cut++
		}
		if r.Fence < prev.Fence {
			return fmt.Errorf("run of %s at %v has fence %d, lower than the run before (%d)", r.Instance, r.Start, r.Fence, prev.Fence)
		}
		if !prev.End.IsZero() && prev.End.After(r.Start) {
			return fmt.Errorf("runs overlap: %s's (fence %d) ended at %v, after %s's (fence %d) began at %v",
				prev.Instance, prev.Fence, prev.End, r.Instance, r.Fence, r.Start)
		}
	}
	fmt.Fprintf(f.cfg.out, "records: %d runs, none overlapping, fences never decreasing (%d cut short by a kill or a stop)\n", len(rs), cut)
	return nil
}

// outages stops nats-server and then etcd, and checks that the fleet
// rides them out and recovers by itself.
func (f *fleet) outages(ctx context.Context) error {
	if err := f.natsOutage(ctx); err != nil {
		return err
	}
	return f.etcdOutage(ctx)
}

func (f *fleet) natsOutage(ctx context.Context) error {
	sub, err := dialRESP(f.kvAddr[0])
	if err != nil {
		return err
	}
	defer sub.Close()
	if _, err := sub.do("SUBSCRIBE", "outage"); err != nil {
		return err
	}
	pub, err := dialRESP(f.kvAddr[1])
	if err != nil {
		return err
	}
	defer pub.Close()

	if err := f.nats.signal(syscall.SIGTERM); err != nil {
		return err
	}
	if _, err := pub.do("PUBLISH", "outage", "while down"); err != nil {
		return fmt.Errorf("PUBLISH without NATS: %w", err)
	}
	t0 := time.Now()
	if err := f.nats.start(); err != nil {
		return err
	}
	var crossed time.Duration
	for i := 0; ; i++ {
		if time.Since(t0) > waitLimit {
			return errors.New("no message crossed instances after NATS came back")
		}
		if _, err := pub.do("PUBLISH", "outage", strconv.Itoa(i)); err != nil {
			return err
		}
		if msg, err := sub.reply(time.Now().Add(50 * time.Millisecond)); err == nil {
			if !strings.HasPrefix(msg, "message outage ") || msg == "message outage while down" {
				return fmt.Errorf("subscriber got %q", msg)
			}
			crossed = time.Since(t0)
			break
		}
	}
	if err := f.allRunning(); err != nil {
		return err
	}
	fmt.Fprintf(f.cfg.out, "nats: stopped and started again: no process exited, PUBLISH answered meanwhile, messages crossed again %v after the start\n", crossed.Round(time.Millisecond))
	return nil
}

func (f *fleet) etcdOutage(ctx context.Context) error {
	if err := f.etcd.signal(syscall.SIGTERM); err != nil {
		return err
	}
	down := time.Now()
	if err := until(ctx, "no instance leading without etcd", func() bool {
		for _, admin := range f.admin {
			if metrics(admin)["seam_singleton_leader"] != 0 {
				return false
			}
		}
		return true
	}); err != nil {
		return err
	}
	stepped := time.Since(down)
	time.Sleep(max(0, f.cfg.outage-time.Since(down)))
	t0 := time.Now()
	if err := f.etcd.start(); err != nil {
		return err
	}
	r, err := f.runAfter(ctx, t0, 0)
	if err != nil {
		return fmt.Errorf("after etcd came back: %w", err)
	}
	if err := f.allRunning(); err != nil {
		return err
	}
	fmt.Fprintf(f.cfg.out, "etcd: down %v: the leader stepped down %v after, no process exited; %s ran the job %v after etcd was back\n",
		f.cfg.outage, stepped.Round(time.Millisecond), r.Instance, r.Start.Sub(t0).Round(time.Millisecond))
	return f.noOverlap(ctx)
}

// allRunning checks that no instance's process has exited.
func (f *fleet) allRunning() error {
	for _, p := range append(append([]*proc{}, f.kv...), f.once...) {
		if !p.running() {
			return fmt.Errorf("%s exited (%d); see %s", p.name, p.exitCode(), p.log)
		}
	}
	return nil
}
