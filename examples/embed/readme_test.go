package main

import (
	"os"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) { seamtest.Main(m) }

// TestREADMEShowsThisProgram keeps the README's embedding example honest:
// the README shows this file's code, from its package clause on, so what
// a reader copies is what go vet and this package's build check.
func TestREADMEShowsThisProgram(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	code = code[strings.Index(code, "package main"):]
	if !strings.Contains(string(readme), "```go\n"+code+"```\n") {
		t.Errorf("README.md's embedding example is not examples/embed/main.go from its package clause on; copy the file into the README's go block")
	}
}
