package main

import (
	"bytes"
	"context"
	"flag"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// flagLineRE is the first line of one flag in kv -h: "  -name" and its
// kind, if any.
var flagLineRE = regexp.MustCompile(`(?m)^  -([a-z-]+)( \w+)?$`)

// kvHelp runs kv -h and returns what it prints.
func kvHelp(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, buildBinary(t), "-h").CombinedOutput()
	if err != nil {
		t.Fatalf("kv -h: %v\n%s", err, out)
	}
	return string(out)
}

// kv -h says what kv is and how to stop it before its flags, and lists
// every flag with its default, the empty and zero ones included.
func TestHelpDescribesKVFirst(t *testing.T) {
	t.Parallel()
	help := kvHelp(t)
	if !strings.HasPrefix(help, "kv is a Redis-protocol key-value server built on seam") {
		t.Fatalf("kv -h does not begin with what kv is:\n%s", help)
	}
	first := flagLineRE.FindStringIndex(help)
	if first == nil {
		t.Fatalf("kv -h lists no flag:\n%s", help)
	}
	if desc := help[:first[0]]; !strings.Contains(desc, "SIGTERM") || !strings.Contains(desc, "Ctrl-C") {
		t.Fatalf("the description before the flags does not say how to stop kv:\n%s", desc)
	}
	checkDefaults(t, help)
	for _, name := range []string{"addr", "aof", "admin", "lameduck", "proxy-protocol", "upgrade", "timeout", "auto-aof-rewrite-percentage"} {
		if !strings.Contains(help, "\n  -"+name+" ") {
			t.Errorf("kv -h lacks -%s", name)
		}
	}
}

// usage gives every flag its default, where PrintDefaults leaves out
// the zero ones, and quotes a string's.
func TestUsageShowsZeroDefaults(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("kv", flag.ContinueOnError)
	fs.String("name", "", "a string")
	fs.Int("count", 0, "a number")
	fs.Duration("wait", 0, "a duration")
	fs.String("kind", "x", "one `word`")
	var b bytes.Buffer
	usage(&b, fs)
	help := b.String()
	want := about +
		"  -count int\n    \ta number (default 0)\n" +
		"  -kind word\n    \tone word (default \"x\")\n" +
		"  -name string\n    \ta string (default \"\")\n" +
		"  -wait duration\n    \ta duration (default 0s)\n"
	if help != want {
		t.Fatalf("usage:\n%s\nwant:\n%s", help, want)
	}
	checkDefaults(t, help)
}

// checkDefaults checks that each flag of a usage text ends its
// description with its default.
func checkDefaults(t *testing.T, help string) {
	t.Helper()
	at := flagLineRE.FindAllStringSubmatchIndex(help, -1)
	for i, m := range at {
		end := len(help)
		if i+1 < len(at) {
			end = at[i+1][0]
		}
		if block := strings.TrimSpace(help[m[0]:end]); !strings.HasSuffix(block, ")") || !strings.Contains(block, "(default ") {
			t.Errorf("-%s has no default:\n%s", help[m[2]:m[3]], block)
		}
	}
}
