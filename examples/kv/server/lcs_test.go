package server

import "testing"

// lcsScript exercises LCS and its options, errors included.
var lcsScript = []string{
	"SET a ohmytext", "SET b mynewtext", "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX WITHMATCHLEN",
	"LCS a b IDX MINMATCHLEN 4", "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS a b IDX MINMATCHLEN -3",
	"LCS a noc", "LCS noc nod LEN", "LCS a b LEN IDX", "LCS a b FOO", "LCS a b MINMATCHLEN x", "LCS a b MINMATCHLEN",
	"SET x ACCGGTCGAGTGCGCGGAAGCCGGCCGAA", "SET y GTCGTTCGGAATGCCGTTGCTCTGTAAA", "LCS x y", "LCS x y IDX WITHMATCHLEN",
	"LPUSH l a", "LCS a l", "LCS l a LEN",
}

func TestLCSSideBySide(t *testing.T) { sideBySide(t, lcsScript) }
