//go:build unix

package listener

import (
	"syscall"
	"testing"
)

// openFileLimit raises a soft limit below the hard one, as the Go runtime
// does at start on Linux only, and reports the limit in force.
func TestOpenFileLimitRaisesTheSoftLimit(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	if uint64(orig.Max) >= 1<<62 || orig.Max < 1024 {
		t.Skipf("hard limit %d: nothing to lower safely", uint64(orig.Max))
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	lowered := orig
	lowered.Cur = orig.Max - 1
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skipf("cannot lower the soft limit: %v", err)
	}
	have, err := openFileLimit()
	if err != nil || have != uint64(orig.Max) {
		t.Fatalf("openFileLimit = %d, %v; want the hard limit %d", have, err, uint64(orig.Max))
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil || now.Cur != orig.Max {
		t.Fatalf("soft limit after = %d, %v; want %d", uint64(now.Cur), err, uint64(orig.Max))
	}
}
