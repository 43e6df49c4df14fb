package singleton_test

import (
	"context"
	"time"

	"github.com/thejerf/suture/v4"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seamgo/seam/etcd/singleton"
	"github.com/seamgo/seam/services"
)

// A billing run that must happen once an hour for the whole fleet, not
// once per instance: every instance adds the same Service, and only the
// leader's runs. Each write is guarded by the term's fence, so a leader
// that lost its term cannot write late.
func ExampleService() {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://127.0.0.1:2379"}})
	if err != nil {
		return
	}
	defer cli.Close()
	bill := func(ctx context.Context) error {
		fence, _ := singleton.FromContext(ctx)
		_, err := cli.Txn(ctx).
			If(fence.Guard()).
			Then(clientv3.OpPut("/billing/last-run", time.Now().Format(time.RFC3339))).
			Commit()
		return err
	}
	sup := suture.NewSimple("app")
	sup.Add(&singleton.Service{
		Name:   "billing",
		Client: cli,
		Child:  &services.Periodic{Name: "bill", Interval: time.Hour, Job: bill},
	})
	// supervisor.Run(ctx, sup, ...) in main.
}
