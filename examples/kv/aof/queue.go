package aof

import (
	"io"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// queue is bytes waiting to be written, in order: small bytes copied into
// data, and big arguments kept by reference in refs, each one standing
// between two runs of data (its RESP framing is copied into data around
// it). So a record of a 100 MB value costs its framing, not a second copy
// of the value, while it waits in the Writer's buffer.
//
// Only a slice whose bytes can never change again may be referenced: see
// [Writer.Keep].
type queue struct {
	data []byte
	refs []ref
	size int64 // len(data) plus the lengths of refs
}

// ref is a referenced slice, which goes before data[at:].
type ref struct {
	at int
	b  []byte
}

// appendRecord appends rec as resp.AppendCommand would, referencing the
// big arguments for which keep is true rather than copying them; a nil
// keep copies them all.
func (q *queue) appendRecord(rec [][]byte, keep func([]byte) bool) {
	n := len(q.data)
	q.data = append(q.data, '*')
	q.data = strconv.AppendInt(q.data, int64(len(rec)), 10)
	q.data = append(q.data, '\r', '\n')
	for _, a := range rec {
		q.data = append(q.data, '$')
		q.data = strconv.AppendInt(q.data, int64(len(a)), 10)
		q.data = append(q.data, '\r', '\n')
		if keep != nil && len(a) >= resp.BigArg && keep(a) {
			q.refs = append(q.refs, ref{at: len(q.data), b: a})
			q.size += int64(len(a))
		} else {
			q.data = append(q.data, a...)
		}
		q.data = append(q.data, '\r', '\n')
	}
	q.size += int64(len(q.data) - n)
}

// appendBytes appends b, copied if small, referenced if big. The caller
// must never change a big b again.
func (q *queue) appendBytes(b []byte) {
	if len(b) < resp.BigArg {
		q.data = append(q.data, b...)
	} else {
		q.refs = append(q.refs, ref{at: len(q.data), b: b})
	}
	q.size += int64(len(b))
}

// appendQueue appends o's bytes after q's; o is left as it was.
func (q *queue) appendQueue(o *queue) {
	base := len(q.data)
	q.data = append(q.data, o.data...)
	for _, r := range o.refs {
		q.refs = append(q.refs, ref{at: base + r.at, b: r.b})
	}
	q.size += o.size
}

// reset empties q, letting go of what it referenced and of a buffer a
// burst grew past keep bytes.
func (q *queue) reset(keep int) {
	q.data = q.data[:0]
	if cap(q.data) > keep {
		q.data = nil
	}
	clear(q.refs)
	q.refs = q.refs[:0]
	if cap(q.refs) > 1024 {
		q.refs = nil
	}
	q.size = 0
}

// writeTo writes q's bytes from offset skip on to w, a segment at a time
// (an *os.File has no vectored write that net.Buffers could use, so this
// is what net.Buffers.WriteTo would do), and returns how many it wrote.
// It stops at the first error; a short write with no error is
// io.ErrShortWrite.
func (q *queue) writeTo(w io.Writer, skip int64) (int64, error) {
	var written int64
	put := func(seg []byte) error {
		if len(seg) == 0 {
			return nil
		}
		if skip >= int64(len(seg)) {
			skip -= int64(len(seg))
			return nil
		}
		seg = seg[skip:]
		skip = 0
		n, err := w.Write(seg)
		written += int64(n)
		if err == nil && n < len(seg) {
			err = io.ErrShortWrite
		}
		return err
	}
	from := 0
	for _, r := range q.refs {
		if err := put(q.data[from:r.at]); err != nil {
			return written, err
		}
		if err := put(r.b); err != nil {
			return written, err
		}
		from = r.at
	}
	return written, put(q.data[from:])
}
