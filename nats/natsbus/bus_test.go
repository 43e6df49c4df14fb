package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/nats/internal/natstest"
	"github.com/seamgo/seam/nats/natsbus"
	"github.com/seamgo/seam/supervisor"
)

// inbox collects what a Bus delivers.
type inbox chan [2]string

func (in inbox) deliver(_ context.Context, channel, payload []byte) error {
	in <- [2]string{string(channel), string(payload)}
	return nil
}

func newBus(t *testing.T, url, name string) (*natsbus.Bus, inbox, *seamtest.Logs) {
	t.Helper()
	in := make(inbox, 1024)
	logs := seamtest.NewLogs(t)
	b := &natsbus.Bus{Name: name, URL: url, Deliver: in.deliver, Logger: logs.Logger()}
	seamtest.Start(t, b)
	return b, in, logs
}

// connected waits until each of buses is connected to NATS.
func connected(t *testing.T, buses ...*natsbus.Bus) {
	t.Helper()
	seamtest.Eventually(t, "the buses to connect", func() bool {
		for _, b := range buses {
			if !b.Stats().Connected {
				return false
			}
		}
		return true
	})
}

func TestCarriesEachPublishersMessagesInOrderWithoutEcho(t *testing.T) {
	srv := natstest.Start(t)
	a, inA, _ := newBus(t, srv.URL, "a")
	b, inB, _ := newBus(t, srv.URL, "b")
	connected(t, a, b)

	const n = 200
	for i := range n {
		a.Publish([]byte("ch"), fmt.Appendf(nil, "%d", i))
	}
	for i := range n {
		have := seamtest.Recv(t, inB, "message from a")
		if want := [2]string{"ch", fmt.Sprint(i)}; have != want {
			t.Fatalf("message %d: have %q, want %q", i, have, want)
		}
	}
	// NATS had queued a's own messages for a, had it echoed them, before
	// b's mark: so a's first message is b's mark.
	b.Publish([]byte("mark"), nil)
	if have := seamtest.Recv(t, inA, "b's mark"); have != [2]string{"mark", ""} {
		t.Fatalf("a received %q before b's mark: its own messages came back", have)
	}
	if st := a.Stats(); st.Sent != n || st.Received != 1 || st.Dropped != 0 {
		t.Fatalf("a: %+v", st)
	}
}

func TestLosingNATSDegradesAndRecovers(t *testing.T) {
	srv := natstest.Start(t)
	a, _, logs := newBus(t, srv.URL, "a")
	b, inB, _ := newBus(t, srv.URL, "b")
	connected(t, a, b)

	srv.Stop()
	logs.WaitFor(t, "NATS lost: delivering locally only until it is back")
	seamtest.Eventually(t, "a to see NATS gone", func() bool { return !a.Stats().Connected })
	a.Publish([]byte("ch"), []byte("lost"))
	if st := a.Stats(); st.Dropped != 1 || st.Disconnects != 1 {
		t.Fatalf("a while NATS is down: %+v, want one drop and one disconnect", st)
	}

	srv.Start()
	logs.WaitFor(t, "NATS back: messages reach other instances again")
	// b's subscription comes back with b's own reconnection, which a
	// cannot observe: publish until one gets through.
	seamtest.Eventually(t, "a message to cross again", func() bool {
		a.Publish([]byte("ch"), []byte("back"))
		select {
		case have := <-inB:
			if have != [2]string{"ch", "back"} {
				t.Fatalf("b received %q", have)
			}
			return true
		default:
			return false
		}
	})
}

func TestStartsWithoutNATS(t *testing.T) {
	srv := natstest.Start(t)
	srv.Stop()
	a, _, logs := newBus(t, srv.URL, "a") // ready though NATS is down
	logs.WaitFor(t, "NATS not reached: delivering locally only until it is")
	if a.Stats().Connected {
		t.Fatal("connected to a stopped server")
	}
	srv.Start()
	seamtest.Eventually(t, "a to connect once NATS is up", func() bool { return a.Stats().Connected })
}

func TestCollector(t *testing.T) {
	srv := natstest.Start(t)
	a, _, _ := newBus(t, srv.URL, "a")
	connected(t, a)
	a.Publish([]byte("ch"), []byte("x"))
	reg := prometheus.NewRegistry()
	reg.MustRegister(a.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		have[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	if have["seam_bus_connected"] != 1 || have["seam_bus_sent_total"] != 1 || len(have) != 7 {
		t.Fatalf("metrics %v", have)
	}
}

func TestBadConfig(t *testing.T) {
	for _, b := range []*natsbus.Bus{
		{Deliver: inbox(nil).deliver},
		{URL: "nats://127.0.0.1:1"},
		{URL: "::not a url", Deliver: inbox(nil).deliver},
	} {
		err := b.Serve(context.Background())
		if !errors.Is(err, supervisor.ErrBadConfig) || !errors.Is(err, suture.ErrDoNotRestart) {
			t.Errorf("%+v: Serve = %v, want ErrBadConfig and ErrDoNotRestart", b, err)
		}
	}
}
