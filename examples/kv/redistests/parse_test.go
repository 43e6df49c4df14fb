package main

import (
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
