package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seamgo/seam/supervisor"
)

// readmeSection returns the text of the root README's section that
// starts with the heading line, up to the next heading of the same or a
// higher level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	at := strings.Index(text, "\n"+heading+"\n")
	if at < 0 {
		t.Fatalf("README.md has no %q", heading)
	}
	section := text[at+len(heading)+2:]
	level := heading[:strings.IndexByte(heading, ' ')+1] // "## " or "### "
	for i := 0; i+1 < len(section); i++ {
		if section[i] == '\n' && strings.HasPrefix(section[i+1:], "#") {
			rest := section[i+1:]
			if h := rest[:strings.IndexByte(rest, ' ')+1]; len(h) <= len(level) && strings.Trim(h, "# ") == "" {
				return section[:i]
			}
		}
	}
	return section
}

// readmeFlagRE is one flag with its default in the README's list:
// `-name default`, the default as kv -h prints it.
var readmeFlagRE = regexp.MustCompile("`-([a-z-]+) ([^`]*)`")

// helpFlagRE is one flag in kv -h: its name line, and the default at the
// end of its description.
var helpFlagRE = regexp.MustCompile(`(?m)^  -([a-z-]+)(?: \w+)?\n(?:    \t.*\n)*?    \t.*\(default (.*)\)$`)

// The README's list of kv's flags is kv -h's: the same flags, with the
// same defaults, so that the two cannot drift apart.
func TestREADMEListsEveryFlag(t *testing.T) {
	t.Parallel()
	out := kvHelp(t)
	help := map[string]string{}
	for _, m := range helpFlagRE.FindAllStringSubmatch(out, -1) {
		help[m[1]] = strings.Trim(m[2], `"`)
	}
	if len(help) < 20 {
		t.Fatalf("read %d flags from kv -h, want them all:\n%s", len(help), out)
	}
	readme := map[string]string{}
	for _, m := range readmeFlagRE.FindAllStringSubmatch(readmeSection(t, "### kv's flags"), -1) {
		readme[m[1]] = strings.Trim(m[2], `"`)
	}
	for name, def := range help {
		have, ok := readme[name]
		switch {
		case !ok:
			t.Errorf("README.md's kv flags lack -%s (default %q)", name, def)
		case have != def:
			t.Errorf("README.md gives -%s the default %q; kv -h says %q", name, have, def)
		}
	}
	for name := range readme {
		if _, ok := help[name]; !ok {
			t.Errorf("README.md lists -%s, which kv -h does not have", name)
		}
	}
}

// treeLine is one service of a tree: its name and its depth, the root
// at 0.
type treeLine struct {
	depth int
	name  string
}

// The tree the README draws is the live tree of kv started with -admin,
// as /debug/tree shows it.
func TestREADMEDrawsTheLiveTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, _ := testConfig(t, dir)
	cfg.adminAddr = "127.0.0.1:0"
	r := start(t, cfg)
	var live []treeLine
	var walk func(n supervisor.Node, depth int)
	walk = func(n supervisor.Node, depth int) {
		// The README's kv runs from its defaults: kv.aof in the
		// working directory.
		live = append(live, treeLine{depth, strings.ReplaceAll(n.Name, cfg.aofPath, "kv.aof")})
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(r.app.health.Tree(), 0)

	section := readmeSection(t, "## The tree it builds")
	start := strings.Index(section, "```\n")
	end := strings.Index(section[start+4:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README.md's tree section has no code block")
	}
	var drawn []treeLine
	for _, line := range strings.Split(strings.TrimSpace(section[start+4:start+4+end]), "\n") {
		// "│   ├── name ..... what it does": four runes of drawing per
		// level; a line that only continues the one before has no name.
		runes := []rune(line)
		i := 0
		for i < len(runes) && strings.ContainsRune("│├└─ ", runes[i]) {
			i++
		}
		rest := string(runes[i:])
		if rest == "" || i%4 != 0 {
			continue
		}
		name, _, _ := strings.Cut(rest, " ..")
		drawn = append(drawn, treeLine{i / 4, strings.TrimSpace(name)})
	}
	if !slices.Equal(drawn, live) {
		t.Errorf("README.md's tree is not kv's live tree.\nREADME:\n%s\nlive:\n%s", format(drawn), format(live))
	}
}

func format(lines []treeLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("    ", l.depth), l.name)
	}
	return b.String()
}
