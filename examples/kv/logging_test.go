package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1048576": 1 << 20, "1gb": 1 << 30, "512MB": 512 << 20, "64kb": 64 << 10, "1k": 1000, "2m": 2e6, "1g": 1e9,
	} {
		if have, err := parseSize("x", in); err != nil || have != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, have, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1tb", "gb", "99999999999gb"} {
		if _, err := parseSize("x", in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// -logformat auto writes JSON where stderr is not a terminal; -loglevel
// filters; bad values are refused.
func TestNewLogger(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := newLogger(f, "warn", "auto")
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Msg("hidden")
	log.Warn().Msg("shown")
	out, _ := os.ReadFile(f.Name())
	if s := string(out); strings.Contains(s, "hidden") || !strings.HasPrefix(s, `{"level":"warn"`) {
		t.Fatalf("log = %q, want the warning alone, as JSON", s)
	}
	for _, bad := range [][2]string{{"verbose", "auto"}, {"info", "xml"}} {
		if _, err := newLogger(f, bad[0], bad[1]); err == nil {
			t.Errorf("newLogger(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
