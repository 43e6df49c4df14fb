package latch

import (
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

func TestLatch(t *testing.T) {
	var l Latch
	before := l.Done()
	select {
	case <-before:
		t.Fatal("a new latch is closed")
	default:
	}
	l.Close()
	l.Close() // idempotent
	seamtest.Recv(t, before, "the channel taken before Close to close")
	if l.Done() != before {
		t.Fatal("Done returned another channel after Close")
	}
}
