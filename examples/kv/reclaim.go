package main

import (
	"context"
	"runtime/debug"
)

// reclaimAfter is how many bytes of large values must have been let go of
// before reclaim hands memory back to the operating system.
const reclaimAfter = 64 << 20

// reclaimer hands memory back to the operating system after large frees.
//
// Go collects garbage when the heap has grown by GOGC percent over what was
// live at the last collection, and returns freed pages to the system
// slowly. After clients stored 1 GB and deleted it, the next collection
// would wait for another 1 GB of allocation, or the forced one every two
// minutes, and the pages would go back later still; redis-server gives
// them back at once. GOGC or GOMEMLIMIT cannot express "after a large
// free": a lower GOGC costs CPU on every small request, a memory limit
// below the data set thrashes. So once a second reclaim looks at how many
// bytes of large values were let go of (the store's deletes and
// overwrites, the big arguments clients sent, which are garbage soon after
// unless stored), and after 64 MB of them runs debug.FreeOSMemory: one
// collection, and every free page returned. Small requests never trigger
// it.
type reclaimer struct {
	let  func() int64 // bytes of large values let go of so far; only grows
	last int64
}

// reclaim is the job of a services.Periodic; it always returns nil.
func (r *reclaimer) reclaim(context.Context) error {
	n := r.let()
	if n-r.last >= reclaimAfter {
		r.last = n
		debug.FreeOSMemory()
	}
	return nil
}
