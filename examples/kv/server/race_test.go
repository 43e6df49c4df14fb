//go:build race

package server

// raceEnabled scales the pub/sub load test down under the race detector.
const raceEnabled = true
