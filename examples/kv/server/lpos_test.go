package server

import "testing"

// lposScript exercises LPOS and its options, errors included.
var lposScript = []string{
	"RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -3", "LPOS l c RANK 9",
	"LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 2 RANK -1", "LPOS l c COUNT 0 MAXLEN 7", "LPOS l c MAXLEN 2",
	"LPOS l c RANK -1 MAXLEN 2", "LPOS l x", "LPOS l x COUNT 0", "LPOS nol a", "LPOS nol a COUNT 3",
	"LPOS l c RANK 0", "LPOS l c RANK x", "LPOS l c COUNT -1", "LPOS l c MAXLEN -1", "LPOS l c FOO 1", "LPOS l c RANK",
	"SET str v", "LPOS str a",
}

func TestLPosSideBySide(t *testing.T) { sideBySide(t, lposScript) }
