package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
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
	// Not parallel: newLogger sets zerolog's global timestamp format,
	// which the servers of the parallel tests read as they log.
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

// The console shows a panic's stack as lines below the event's line, while
// JSON keeps it as one string field.
func TestConsoleShowsStackAsLines(t *testing.T) {
	// Not parallel: newLogger sets zerolog's global timestamp format,
	// which the servers of the parallel tests read as they log.
	dir := t.TempDir()
	stack := "goroutine 7 [running]:\nmain.boom()\n\t/src/main.go:12 +0x1d\n"
	for _, format := range []string{"console", "json"} {
		f, err := os.Create(filepath.Join(dir, format))
		if err != nil {
			t.Fatal(err)
		}
		log, err := newLogger(f, "info", format)
		if err != nil {
			t.Fatal(err)
		}
		log.Error().Str("panic", "boom").Str("stack", stack).Msg("service panicked")
		f.Close()
		out, _ := os.ReadFile(f.Name())
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		switch format {
		case "console":
			want := []string{"    goroutine 7 [running]:", "    main.boom()", "    \t/src/main.go:12 +0x1d"}
			if len(lines) != 4 || !strings.Contains(lines[0], "service panicked") || !slices.Equal(lines[1:], want) {
				t.Errorf("console log = %q; want the event's line, then the stack's %q", lines, want)
			}
			if strings.Contains(lines[0], "goroutine") {
				t.Errorf("console line %q repeats the stack among its fields", lines[0])
			}
		case "json":
			var ev map[string]any
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil || ev["stack"] != stack {
				t.Errorf("JSON log = %q; want one line whose stack field is %q", lines, stack)
			}
		}
	}
}
