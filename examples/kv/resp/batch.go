package resp

import (
	"io"
	"strconv"
)

// Batch is RESP bytes waiting to be written, in order: small bytes copied
// into one buffer, and big arguments (BigArg bytes or more) kept by
// reference, each one standing between two runs of the buffer (its
// framing is copied around it). So a command with a 100 MB value costs
// its framing, not a second copy of the value, while it waits. The AOF
// writer queues its records in one, and the store's rewrite its dump.
//
// Only a slice whose bytes can never change again may be referenced.
//
// The zero value is an empty Batch. It is not safe for concurrent use.
type Batch struct {
	data []byte
	refs []batchRef
	size int64 // len(data) plus the lengths of refs
}

// batchRef is a referenced slice, which goes before data[at:].
type batchRef struct {
	at int
	b  []byte
}

// AppendCommand appends args as [AppendCommand] would, referencing the big
// arguments for which keep is true rather than copying them; a nil keep
// copies them all.
func (q *Batch) AppendCommand(args [][]byte, keep func([]byte) bool) {
	n := len(q.data)
	q.data = append(q.data, '*')
	q.data = strconv.AppendInt(q.data, int64(len(args)), 10)
	q.data = append(q.data, '\r', '\n')
	for _, a := range args {
		q.data = appendBulkHeader(q.data, len(a))
		if keep != nil && len(a) >= BigArg && keep(a) {
			q.refs = append(q.refs, batchRef{at: len(q.data), b: a})
			q.size += int64(len(a))
		} else {
			q.data = append(q.data, a...)
		}
		q.data = append(q.data, '\r', '\n')
	}
	q.size += int64(len(q.data) - n)
}

// AppendBytes appends b, copied if small, referenced if big. The caller
// must never change a big b again.
func (q *Batch) AppendBytes(b []byte) {
	if len(b) < BigArg {
		q.data = append(q.data, b...)
	} else {
		q.refs = append(q.refs, batchRef{at: len(q.data), b: b})
	}
	q.size += int64(len(b))
}

// AppendBatch appends o's bytes after q's; o is left as it was.
func (q *Batch) AppendBatch(o *Batch) {
	base := len(q.data)
	q.data = append(q.data, o.data...)
	for _, r := range o.refs {
		q.refs = append(q.refs, batchRef{at: base + r.at, b: r.b})
	}
	q.size += o.size
}

// Len returns how many bytes q holds, referenced ones included.
func (q *Batch) Len() int64 { return q.size }

// Referenced returns how many slices q refers to rather than holding
// copies of.
func (q *Batch) Referenced() int { return len(q.refs) }

// Reset empties q, letting go of what it referenced and of a buffer a
// burst grew past keep bytes.
func (q *Batch) Reset(keep int) {
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

// WriteTo writes q's bytes from offset skip on to w, a piece at a time
// (an *os.File has no vectored write that net.Buffers could use, so this
// is what net.Buffers.WriteTo would do), and returns how many it wrote.
// It stops at the first error; a short write with no error is
// io.ErrShortWrite.
func (q *Batch) WriteTo(w io.Writer, skip int64) (int64, error) {
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

// Bytes returns q's bytes in one slice, the referenced ones copied in; it
// aliases q's buffer when q refers to nothing.
func (q *Batch) Bytes() []byte {
	if len(q.refs) == 0 {
		return q.data
	}
	b := make([]byte, 0, q.size)
	from := 0
	for _, r := range q.refs {
		b = append(b, q.data[from:r.at]...)
		b = append(b, r.b...)
		from = r.at
	}
	return append(b, q.data[from:]...)
}
