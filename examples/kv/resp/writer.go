package resp

import (
	"io"
	"strconv"
)

// Writer buffers replies in RESP2 and writes them with [Writer.Flush]. The
// Write methods only append to memory: nothing reaches the connection until
// Flush, which is what lets a server answer a pipeline with one write. A
// write error is kept and returned by every later Flush.
//
// A Writer holds a buffer only while replies wait for Flush: it takes one
// from the pool it shares with the Readers at its first write, and Flush
// gives it back, so a connection with nothing to send holds none. A reply
// to KEYS * that grew it past the pool's size is left to the garbage
// collector rather than kept for the life of the connection.
//
// Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte // nil while nothing is buffered
	err error
}

// NewWriter returns a Writer that flushes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// Reset discards anything buffered and any error and makes the Writer flush
// to w.
func (w *Writer) Reset(wr io.Writer) {
	w.w, w.err = wr, nil
	w.release()
}

// release gives the buffer back to the pool.
func (w *Writer) release() {
	putBuf(w.buf)
	w.buf = nil
}

// out returns the buffer to append a reply to, taking one from the pool
// if the Writer holds none.
func (w *Writer) out() []byte {
	if w.buf == nil {
		w.buf = getBuf()[:0]
	}
	return w.buf
}

// Buffered returns how many bytes are waiting for Flush.
func (w *Writer) Buffered() int { return len(w.buf) }

// Discard drops what is buffered without writing it.
func (w *Writer) Discard() { w.release() }

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
	w.release()
	w.err = err
	return err
}

// WriteSimple writes a simple string ("+OK"). s must not contain CR or LF.
func (w *Writer) WriteSimple(s string) {
	w.buf = append(w.out(), '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteOK writes "+OK", the most common reply.
func (w *Writer) WriteOK() { w.buf = append(w.out(), "+OK\r\n"...) }

// WriteError writes an error reply. s starts with the error code, as in
// "ERR syntax error" or "WRONGTYPE ...". CR and LF in s become spaces, as
// Redis does, because they would end the reply early.
func (w *Writer) WriteError(s string) {
	w.buf = append(w.out(), '-')
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
	w.buf = append(w.out(), ':')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteBulk writes a bulk string. A nil b is written as an empty string,
// not as null: use [Writer.WriteNull] for that.
func (w *Writer) WriteBulk(b []byte) {
	w.buf = appendBulkHeader(w.out(), len(b))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteBulkString writes s as a bulk string.
func (w *Writer) WriteBulkString(s string) {
	w.buf = appendBulkHeader(w.out(), len(s))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteNull writes the null bulk string ("$-1"), Redis 2's nil.
func (w *Writer) WriteNull() { w.buf = append(w.out(), "$-1\r\n"...) }

// WriteNullArray writes the null array ("*-1").
func (w *Writer) WriteNullArray() { w.buf = append(w.out(), "*-1\r\n"...) }

// WriteArrayHeader starts an array of n elements; the caller writes them
// next.
func (w *Writer) WriteArrayHeader(n int) {
	w.buf = append(w.out(), '*')
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
