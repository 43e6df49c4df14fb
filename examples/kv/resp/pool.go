package resp

import "sync"

// bufPool holds the read and write buffers of initialBufSize that Readers
// and Writers are not using. A connection takes one when bytes arrive or
// a reply is written and gives it back when it has consumed or sent them,
// so that 10,000 idle connections hold no buffers, not 10,000 of each.
// Buffers grown past initialBufSize for one big command are not pooled:
// the garbage collector takes them, and a later big command pays again.
var bufPool = sync.Pool{New: func() any { return new([initialBufSize]byte) }}

// getBuf returns a buffer of initialBufSize bytes (its contents
// arbitrary).
func getBuf() []byte { return bufPool.Get().(*[initialBufSize]byte)[:] }

// putBuf gives b back to the pool if it is one of the pool's; any other
// buffer is left to the garbage collector. b must not be used after.
func putBuf(b []byte) {
	if cap(b) == initialBufSize {
		bufPool.Put((*[initialBufSize]byte)(b[:initialBufSize]))
	}
}
