//go:build race

package resp

// raceEnabled skips the allocation counts under the race detector, whose
// sync.Pool drops a share of what it is given on purpose.
const raceEnabled = true
