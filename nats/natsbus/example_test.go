package natsbus_test

import (
	"context"
	"fmt"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/nats/natsbus"
)

// Every instance of a program runs a Bus on the same NATS: what one
// publishes, the others receive, and NATS out of reach only makes it
// local for a while.
func ExampleBus() {
	bus := &natsbus.Bus{
		URL: "nats://127.0.0.1:4222",
		Deliver: func(ctx context.Context, channel, payload []byte) error {
			fmt.Printf("from another instance on %s: %s\n", channel, payload)
			return nil
		},
	}
	sup := suture.NewSimple("app")
	sup.Add(bus)
	// Once sup runs, in the program's own code:
	bus.Publish([]byte("news"), []byte("hello"))
}
