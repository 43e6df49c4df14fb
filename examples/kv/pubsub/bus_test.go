package pubsub

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/seamgo/seam/listener/seamtest"
)

// recordBus is a Bus that records what the hub hands it.
type recordBus chan [2]string

func (b recordBus) Publish(channel, payload []byte) {
	b <- [2]string{string(channel), string(payload)}
}

// startBusHub starts a hub whose Bus records what the hub hands it, and
// one subscriber to it over a pipe; r reads what the subscriber is sent,
// and a missing frame fails the test rather than hang it.
func startBusHub(t *testing.T) (h *Hub, bus recordBus, s *Subscriber, r *bufio.Reader) {
	t.Helper()
	bus = make(recordBus, 4)
	h = NewHub(Config{Bus: bus})
	seamtest.Start(t, h)
	server, client := net.Pipe()
	t.Cleanup(func() { client.Close() })
	client.SetReadDeadline(time.Now().Add(seamtest.Wait))
	s = NewSubscriber(server, Limits{})
	s.Start()
	t.Cleanup(s.Close)
	return h, bus, s, bufio.NewReader(client)
}

// A PUBLISH goes to the local subscribers and to the Bus, and counts the
// local ones; a message from the Bus goes to the local subscribers only.
func TestBus(t *testing.T) {
	h, bus, s, r := startBusHub(t)
	ctx := context.Background()
	if err := h.PSubscribe(ctx, s, [][]byte{[]byte("news.*")}); err != nil {
		t.Fatal(err)
	}
	want := "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n"
	readFrame(t, r, want)

	n, err := h.Publish(ctx, []byte("news.a"), []byte("hello"))
	if err != nil || n != 1 {
		t.Fatalf("Publish = %d, %v; want 1 local receiver", n, err)
	}
	readFrame(t, r, "*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$6\r\nnews.a\r\n$5\r\nhello\r\n")
	if have := seamtest.Recv(t, bus, "the bus to get the PUBLISH"); have != [2]string{"news.a", "hello"} {
		t.Fatalf("bus got %q", have)
	}

	n, err = h.Deliver(ctx, []byte("news.b"), []byte("from afar"))
	if err != nil || n != 1 {
		t.Fatalf("Deliver = %d, %v; want 1 local receiver", n, err)
	}
	readFrame(t, r, "*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$6\r\nnews.b\r\n$9\r\nfrom afar\r\n")
	// The hub handles one message at a time: once this call returns,
	// Deliver's has been handled, and a Publish to the Bus would be
	// there.
	if _, err := h.NumPat(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case have := <-bus:
		t.Fatalf("Deliver handed %q to the bus; a delivered message must not go round again", have)
	default:
	}
}

func readFrame(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != want {
		t.Fatalf("read %q, want %q", buf, want)
	}
}

// DeliverAll hands its messages to the local subscribers in their order,
// each to the channel's and the matching patterns' subscribers, and none
// to the Bus.
func TestDeliverAll(t *testing.T) {
	h, bus, s, r := startBusHub(t)
	ctx := context.Background()
	if err := h.Subscribe(ctx, s, [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	readFrame(t, r, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n")
	if err := h.PSubscribe(ctx, s, [][]byte{[]byte("k*")}); err != nil {
		t.Fatal(err)
	}
	readFrame(t, r, "*3\r\n$10\r\npsubscribe\r\n$2\r\nk*\r\n:2\r\n")

	msgs := []Message{
		{Channel: []byte("kx"), Payload: []byte("1")},
		{Channel: []byte("nobody"), Payload: []byte("2")},
		{Channel: []byte("a"), Payload: []byte("3")},
		{Channel: []byte("ky"), Payload: []byte("4")},
	}
	if err := h.DeliverAll(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	readFrame(t, r, "*4\r\n$8\r\npmessage\r\n$2\r\nk*\r\n$2\r\nkx\r\n$1\r\n1\r\n"+
		"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n3\r\n"+
		"*4\r\n$8\r\npmessage\r\n$2\r\nk*\r\n$2\r\nky\r\n$1\r\n4\r\n")
	select {
	case have := <-bus:
		t.Fatalf("DeliverAll handed %q to the bus", have)
	default:
	}
}
