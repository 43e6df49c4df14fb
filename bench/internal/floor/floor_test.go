package floor

import (
	"errors"
	"io"
	"net"
	"testing"
)

// TestLoop checks the floor answers each read with +PONG and returns,
// with the read's error, once the peer has gone.
func TestLoop(t *testing.T) {
	client, server := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Loop(server) }()
	for range 3 {
		if _, err := client.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(pong))
		if _, err := io.ReadFull(client, got); err != nil || string(got) != "+PONG\r\n" {
			t.Fatalf("read %q, %v; want +PONG", got, err)
		}
	}
	client.Close()
	if err := <-done; !errors.Is(err, io.EOF) {
		t.Fatalf("Loop = %v after the peer closed, want EOF", err)
	}
	server.Close()
}
