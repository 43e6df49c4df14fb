package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests, as seamtest.Main
// does, and removes the servers the smoke tests built.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		built.remove()
		os.Exit(code)
	}))
}
