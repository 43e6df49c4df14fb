package supervisor

import "fmt"

// Strategy is what a [Group] restarts when one of its children fails, as
// OTP's supervisor restart strategies name it. Children that are stopped
// for a restart stop in reverse start order and start again in order, each
// awaiting the readiness of the one before.
type Strategy uint8

// The strategies. The zero value is OneForOne, suture's own behaviour.
const (
	// OneForOne restarts only the child that failed. Its siblings keep
	// running: a listener's connections survive the restart of a worker
	// beside it.
	OneForOne Strategy = iota
	// RestForOne restarts the child that failed and every child started
	// after it, which depend on it: those are stopped, last started first,
	// and started again in order.
	RestForOne
	// OneForAll restarts every child: all are stopped in reverse order and
	// started again from the first.
	OneForAll
)

// String returns the strategy's name as OTP spells it with dashes:
// "one-for-one", "rest-for-one", "one-for-all".
func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one-for-one"
	case RestForOne:
		return "rest-for-one"
	case OneForAll:
		return "one-for-all"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// restarts returns the indexes, in start order, of the children of n that
// s restarts when child failed fails.
func (s Strategy) restarts(failed, n int) []int {
	from, to := failed, failed+1
	switch s {
	case RestForOne:
		to = n
	case OneForAll:
		from, to = 0, n
	}
	idx := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		idx = append(idx, i)
	}
	return idx
}
