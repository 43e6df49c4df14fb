package store

import "strings"

// Match reports whether s matches the glob pattern, with the rules of
// Redis's KEYS and SCAN MATCH: '*' any run of bytes, '?' one byte, "[abc]",
// "[^abc]" and "[a-z]" a set, '\' escapes the next byte. Matching is
// byte-wise and case-sensitive.
func Match(pattern, s string) bool {
	if s == "" {
		// Redis's matcher never looks at a pattern against an empty
		// string, but its KEYS and SCAN treat "*" as "everything".
		return strings.Trim(pattern, "*") == ""
	}
	skipLonger := false
	return match(pattern, s, &skipLonger, 0)
}

// match is Redis's stringmatchlen_impl. skipLonger short-cuts patterns
// with many stars: once the rest of the pattern after a star matched nowhere
// in the remaining string, an earlier star cannot do better by taking more,
// which keeps "a*a*a*a*b" against "aaaa...." from going exponential. The
// nesting bound is Redis's protection against abusive patterns.
func match(p, s string, skipLonger *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			matched := false
			for {
				if len(p) >= 2 && p[0] == '\\' {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if len(p) == 0 {
					// An unterminated set ends the pattern; keep one byte
					// for the p = p[1:] below, as Redis steps back one.
					p = "]"
					break
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi := p[0], p[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					if lo <= s[0] && s[0] <= hi {
						matched = true
					}
					p = p[2:]
				} else if p[0] == s[0] {
					matched = true
				}
				p = p[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
