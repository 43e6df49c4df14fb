package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// newLogger returns kv's logger, writing to f at level (debug, info, warn
// or error) in format: console (pretty lines, in colour on a terminal),
// json (one object a line), or auto: console on a terminal, JSON
// otherwise, for a log collector.
func newLogger(f *os.File, level, format string) (zerolog.Logger, error) {
	var lvl zerolog.Level
	switch level {
	case "debug":
		lvl = zerolog.DebugLevel
	case "info":
		lvl = zerolog.InfoLevel
	case "warn":
		lvl = zerolog.WarnLevel
	case "error":
		lvl = zerolog.ErrorLevel
	default:
		return zerolog.Logger{}, fmt.Errorf("-loglevel %q is not one of debug, info, warn, error", level)
	}
	fi, err := f.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	var w io.Writer
	switch format {
	case "auto", "":
		w = f
		if tty {
			w = consoleWriter(f, true)
		}
	case "console":
		w = consoleWriter(f, tty)
	case "json":
		w = f
	default:
		return zerolog.Logger{}, fmt.Errorf("-logformat %q is not one of auto, console, json", format)
	}
	// main owns the process, so it may set zerolog's one global: the
	// timestamp precision.
	zerolog.TimeFieldFormat = time.RFC3339Nano
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// consoleWriter writes pretty lines, in colour only on a terminal, so that
// logs piped to a file stay plain text. A panic's "stack" field is printed
// after its line, one frame a line and indented, as a person reads a Go
// traceback: left among the fields, ConsoleWriter would quote it onto one
// line of \n escapes. JSON keeps it as a plain string field.
func consoleWriter(f *os.File, colour bool) io.Writer {
	return zerolog.ConsoleWriter{
		Out:           f,
		TimeFormat:    "15:04:05.000",
		NoColor:       !colour,
		FieldsExclude: []string{stackField},
		FormatExtra:   formatStack,
	}
}

// stackField is the field seam's packages log a panic's stack under.
const stackField = "stack"

// formatStack appends the event's stack, if it has one, below its line.
func formatStack(evt map[string]any, buf *bytes.Buffer) error {
	stack, ok := evt[stackField].(string)
	if !ok || stack == "" {
		return nil
	}
	for _, line := range strings.Split(strings.TrimRight(stack, "\n"), "\n") {
		buf.WriteString("\n    ")
		buf.WriteString(line)
	}
	return nil
}

// parseSize reads a size as Redis's configuration does: a number of
// bytes, or one with a unit: k (1000), kb (1024), m, mb, g, gb, any case.
func parseSize(flag, s string) (int64, error) {
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}}
	num, mul := strings.ToLower(s), int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mul = n, u.mul
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<63-1)/mul {
		return 0, fmt.Errorf("kv: -%s %q is not a size (bytes, or with k, kb, m, mb, g, gb)", flag, s)
	}
	return n * mul, nil
}
