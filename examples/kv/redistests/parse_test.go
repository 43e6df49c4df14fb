package main

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

func TestParseSample(t *testing.T) {
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := result{
		OK: 4, Err: 1, Exception: 1, Skipped: 2,
		Failures: []string{
			"err: a test that fails in tests/unit/example.tcl",
			"exception: Executing test client: ERR unknown command 'FOO'.",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parse(sample) = %+v\nwant %+v", got, want)
	}
}

// FuzzParse: any output parses without error, counts no more outcomes
// than it has lines, and names every failure it counts. The seeds are the
// recorded sample and the corpus in testdata/fuzz/FuzzParse, run in the
// normal pass.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/sample.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte("[ok]: x\n[err]: y\n[exception]: z\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		res, err := parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		lines := bytes.Count(out, []byte("\n")) + 1
		if n := res.OK + res.Err + res.Exception + res.Skipped; n > lines {
			t.Fatalf("%d outcomes in %d lines", n, lines)
		}
		if len(res.Failures) != res.Err+res.Exception {
			t.Fatalf("%d failures named, %d counted", len(res.Failures), res.Err+res.Exception)
		}
	})
}
