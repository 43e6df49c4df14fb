package kvtest

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestFileSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if have := FileSize(t, path); have != 5 {
		t.Fatalf("FileSize = %d, want 5", have)
	}
}

// The port FreePort returns is closed again, so a program can bind it.
func TestFreePortCanBeBound(t *testing.T) {
	port := FreePort(t)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("binding the free port %s: %v", port, err)
	}
	ln.Close()
}
