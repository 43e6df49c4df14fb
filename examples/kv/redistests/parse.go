package main

import (
	"bufio"
	"io"
	"regexp"
	"strings"
)

// result counts the test outcomes of one run of one unit, as
// tests/test_helper.tcl reports them.
type result struct {
	OK, Err, Exception int
	// Skipped counts [skip] and [ignore] lines: tests left out by a tag or
	// an option, the same for both servers.
	Skipped int
	// Failures names the tests that ended in [err] or [exception], in
	// order, so that the table can be followed by what to fix.
	Failures []string
}

// ansi matches the colour escapes test_helper.tcl adds on a terminal
// (colorstr); the harness captures the output, but a sample saved from a
// terminal must parse the same.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// statusLine matches a line such as "[ok]: SET and GET (3 ms)": the status
// the test server prints for each message a test client sends it.
var statusLine = regexp.MustCompile(`^\[(ok|err|exception|skip|ignore)\]: ?(.*)$`)

// parse reads the output of one test_helper.tcl run and counts its
// outcomes. Lines that are not outcomes (progress, the banner, a failed
// assertion's detail) are passed over.
func parse(r io.Reader) (result, error) {
	var res result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024) // an assertion can print a whole value
	for sc.Scan() {
		line := strings.TrimRight(ansi.ReplaceAllString(sc.Text(), ""), "\r")
		m := statusLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch m[1] {
		case "ok":
			res.OK++
		case "err":
			res.Err++
			res.Failures = append(res.Failures, "err: "+m[2])
		case "exception":
			res.Exception++
			res.Failures = append(res.Failures, "exception: "+m[2])
		case "skip", "ignore":
			res.Skipped++
		}
	}
	return res, sc.Err()
}
