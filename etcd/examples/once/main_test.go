package main

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seamgo/seam/etcd/internal/etcdtest"
	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// instance is one process of the fleet, run in this one.
type instance struct {
	cancel context.CancelFunc
	done   chan error
}

func startInstance(t *testing.T, url, id string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan struct{})
	args := []string{"-etcd", url, "-id", id, "-interval", "50ms", "-work", "10ms", "-ttl", "2s", "-admin", "127.0.0.1:0"}
	go func() { in.done <- run(ctx, args, io.Discard, func() { close(ready) }) }()
	t.Cleanup(func() { in.stop(t) })
	select {
	case <-ready:
	case err := <-in.done:
		t.Fatalf("%s: run returned %v before it was ready", id, err)
	}
	return in
}

func (in *instance) stop(t *testing.T) {
	if in.cancel == nil {
		return
	}
	in.cancel()
	in.cancel = nil
	if err := seamtest.Recv(t, in.done, "the instance to stop"); err != nil {
		t.Errorf("run: %v", err)
	}
}

// records returns the runs recorded in etcd, in the order they started.
func records(t *testing.T, cli *clientv3.Client) []Record {
	t.Helper()
	resp, err := cli.Get(context.Background(), "/seam/once/runs/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var rs []Record
	for _, kv := range resp.Kvs {
		var r Record
		if err := json.Unmarshal(kv.Value, &r); err != nil {
			t.Fatalf("%s: %v", kv.Key, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func completed(rs []Record, instance string) int {
	n := 0
	for _, r := range rs {
		if r.Instance == instance && !r.End.IsZero() {
			n++
		}
	}
	return n
}

func TestJobRunsOnceAcrossTheFleet(t *testing.T) {
	url := etcdtest.Start(t)
	cli := etcdtest.NewClient(t, url)
	a := startInstance(t, url, "a")
	seamtest.Eventually(t, "two runs by a", func() bool { return completed(records(t, cli), "a") >= 2 })
	startInstance(t, url, "b")
	a.stop(t) // a leads, having started first; its stop hands over at once
	seamtest.Eventually(t, "two runs by b", func() bool { return completed(records(t, cli), "b") >= 2 })

	rs := records(t, cli)
	if !slices.IsSortedFunc(rs, func(x, y Record) int { return x.Start.Compare(y.Start) }) {
		t.Fatal("records not in the order of their keys")
	}
	var fenceA, fenceB int64
	for i, r := range rs {
		switch r.Instance {
		case "a":
			fenceA = r.Fence
		case "b":
			fenceB = r.Fence
		}
		if i > 0 && r.Fence < rs[i-1].Fence {
			t.Errorf("run %d has fence %d, lower than the run before (%d)", i, r.Fence, rs[i-1].Fence)
		}
		if i+1 < len(rs) && !r.End.IsZero() && r.End.After(rs[i+1].Start) {
			t.Errorf("run %d (%s) ended at %v, after run %d (%s) started at %v", i, r.Instance, r.End, i+1, rs[i+1].Instance, rs[i+1].Start)
		}
	}
	if fenceB <= fenceA {
		t.Errorf("b's fence %d, want more than a's %d", fenceB, fenceA)
	}
}
