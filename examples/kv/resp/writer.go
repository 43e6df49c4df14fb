package resp

import (
	"io"
	"strconv"
)

// keepOutSize is the largest reply buffer a Writer keeps after a flush; a
// reply to KEYS * must not pin its memory for the life of the connection.
const keepOutSize = 256 << 10

// Writer buffers replies in RESP2 and writes them with [Writer.Flush]. The
// Write methods only append to memory: nothing reaches the connection until
// Flush, which is what lets a server answer a pipeline with one write. A
// write error is kept and returned by every later Flush.
//
// Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer that flushes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, initialBufSize)}
}

// Reset discards anything buffered and any error and makes the Writer flush
// to w, keeping its buffer for reuse.
func (w *Writer) Reset(wr io.Writer) {
	w.w, w.err = wr, nil
	w.buf = w.buf[:0]
	if cap(w.buf) > keepOutSize {
		w.buf = make([]byte, 0, initialBufSize)
	}
}

// Buffered returns how many bytes are waiting for Flush.
func (w *Writer) Buffered() int { return len(w.buf) }

// Discard drops what is buffered without writing it.
func (w *Writer) Discard() { w.buf = w.buf[:0] }

// Bytes returns what is buffered; it aliases the buffer until the next call.
func (w *Writer) Bytes() []byte { return w.buf }

// Flush writes everything buffered in one Write call.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	if cap(w.buf) > keepOutSize {
		w.buf = make([]byte, 0, initialBufSize)
	}
	w.err = err
	return err
}

// WriteSimple writes a simple string ("+OK"). s must not contain CR or LF.
func (w *Writer) WriteSimple(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteOK writes "+OK", the most common reply.
func (w *Writer) WriteOK() { w.buf = append(w.buf, "+OK\r\n"...) }

// WriteError writes an error reply. s starts with the error code, as in
// "ERR syntax error" or "WRONGTYPE ...". CR and LF in s become spaces, as
// Redis does, because they would end the reply early.
func (w *Writer) WriteError(s string) {
	w.buf = append(w.buf, '-')
	start := len(w.buf)
	w.buf = append(w.buf, s...)
	for i := start; i < len(w.buf); i++ {
		if w.buf[i] == '\r' || w.buf[i] == '\n' {
			w.buf[i] = ' '
		}
	}
	w.buf = append(w.buf, '\r', '\n')
}

// WriteInt writes an integer reply.
func (w *Writer) WriteInt(n int64) {
	w.buf = append(w.buf, ':')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteBulk writes a bulk string. A nil b is written as an empty string,
// not as null: use [Writer.WriteNull] for that.
func (w *Writer) WriteBulk(b []byte) {
	w.buf = appendBulkHeader(w.buf, len(b))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteBulkString writes s as a bulk string.
func (w *Writer) WriteBulkString(s string) {
	w.buf = appendBulkHeader(w.buf, len(s))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteNull writes the null bulk string ("$-1"), Redis 2's nil.
func (w *Writer) WriteNull() { w.buf = append(w.buf, "$-1\r\n"...) }

// WriteNullArray writes the null array ("*-1").
func (w *Writer) WriteNullArray() { w.buf = append(w.buf, "*-1\r\n"...) }

// WriteArrayHeader starts an array of n elements; the caller writes them
// next.
func (w *Writer) WriteArrayHeader(n int) {
	w.buf = append(w.buf, '*')
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

func appendBulkHeader(dst []byte, n int) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendCommand appends args to dst as a RESP array of bulk strings: the
// form clients send commands in, and the form of an append-only file.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = appendBulkHeader(dst, len(a))
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}
