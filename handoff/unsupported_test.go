package handoff

import (
	"errors"
	"testing"

	"github.com/cloudflare/tableflip"
)

// unsupportedPlatform runs the rest of the test as on a platform that
// cannot inherit sockets (Windows), whatever this one is.
func unsupportedPlatform(t *testing.T) {
	was := supported
	supported = false
	t.Cleanup(func() { supported = was })
}

// Where sockets cannot be inherited, Systemd's bind function says so with
// ErrUnsupported, which errors.ErrUnsupported also matches, rather than
// claiming that systemd passed no such socket.
func TestSystemdUnsupported(t *testing.T) {
	unsupportedPlatform(t)
	_, err := Systemd("web")("tcp", "")
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported and errors.ErrUnsupported", err)
	}
	if errors.Is(err, ErrNoSocket) {
		t.Fatalf("err = %v also matches ErrNoSocket", err)
	}
}

// Where sockets cannot be inherited, New returns ErrUnsupported and no
// Upgrader, before tableflip is asked for one.
func TestNewUnsupported(t *testing.T) {
	unsupportedPlatform(t)
	u, err := New(tableflip.Options{})
	if u != nil {
		u.Stop()
		t.Fatal("New returned an Upgrader")
	}
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported and errors.ErrUnsupported", err)
	}
}
