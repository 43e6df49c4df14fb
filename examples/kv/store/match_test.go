package store

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "anything", true}, {"", "", true}, {"", "a", false},
		{"a*", "abc", true}, {"a*", "bac", false}, {"*c", "abc", true}, {"*b*", "abc", true},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"?", "", false},
		{"h[ae]llo", "hello", true}, {"h[ae]llo", "hallo", true}, {"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true}, {"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true}, {"h[a-b]llo", "hcllo", false}, {"h[b-a]llo", "hallo", true},
		{`h\*llo`, "h*llo", true}, {`h\*llo`, "hello", false}, {`h[\]]llo`, "h]llo", true},
		{"h[abc", "ha", true}, {"h[abc", "hd", false}, {`a\`, `a\`, true},
		{"**a", "ba", true}, {"a**", "a", true}, {"a*", "a", true},
		{"user:*:name", "user:42:name", true}, {"user:*:name", "user:42:mail", false},
		{"*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false},
	}
	for _, tt := range tests {
		if have := Match(tt.pattern, tt.s); have != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, have, tt.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("h[a-z]llo*", "hello world")
	f.Add(`[\`, "x")
	f.Add("[^", "y")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		Match(pattern, s) // must not panic
		if !strings.ContainsAny(s, `*?[]\^-`) && !Match(s, s) {
			t.Fatalf("%q does not match itself", s)
		}
	})
}
