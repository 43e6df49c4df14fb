package pubsub

import (
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A queue above the soft limit is cut once it has stayed above it for
// SoftFor, and not before; falling below restarts the count.
func TestSoftLimit(t *testing.T) {
	server, client := net.Pipe() // nobody reads client: the writer blocks
	defer client.Close()
	s := NewSubscriber(server, Limits{Hard: -1, Soft: 100, SoftFor: time.Minute})
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }
	big := make([]byte, 150)
	if err := s.push(big); err != nil { // above the soft limit from now on
		t.Fatal(err)
	}
	now = now.Add(59 * time.Second)
	if err := s.push([]byte("x")); err != nil {
		t.Fatalf("push 59s above the soft limit: %v; want it kept", err)
	}
	now = now.Add(time.Second)
	if err := s.push([]byte("x")); !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("push 60s above the soft limit: %v; want ErrOutputLimit", err)
	}
	s.Start()
	s.Close()
	if err := s.Err(); !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("Err: %v", err)
	}
}

func TestHardLimit(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	s := NewSubscriber(server, Limits{Hard: 100, Soft: -1})
	if err := s.push(make([]byte, 100)); err != nil {
		t.Fatalf("push up to the hard limit: %v", err)
	}
	if err := s.push([]byte("x")); !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("push past the hard limit: %v; want ErrOutputLimit", err)
	}
	s.Start()
	s.Close()
}
