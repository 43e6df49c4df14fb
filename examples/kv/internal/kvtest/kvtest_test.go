package kvtest

import (
	"net"
	"testing"
)

// The port FreePort returns is closed again, so a program can bind it.
func TestFreePortCanBeBound(t *testing.T) {
	port := FreePort(t)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("binding the free port %s: %v", port, err)
	}
	ln.Close()
}
