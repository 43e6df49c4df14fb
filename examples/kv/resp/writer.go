package resp

import (
	"io"
	"math"
	"strconv"
)

// Writer buffers replies and writes them with [Writer.Flush]. It speaks
// RESP2 until [Writer.SetProto] selects 3, which HELLO 3 does: the same
// calls then write RESP3's types (maps, sets, doubles, booleans, nulls,
// verbatim strings, pushes), and in RESP2 each falls back to the type
// Redis 2 clients read (an array of 2n elements for a map of n, a bulk
// string for a double, 1 or 0 for a boolean). The

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
	w     io.Writer
	buf   []byte // nil while nothing is buffered
	err   error
	resp3 bool // SetProto(3): write RESP3's types
	mark  int  // where DiscardSinceMark cuts back to; 0 once the buffer is released

	onError func(msg string) // SetErrorHook's

	scratch [32]byte // a double's text, measured before its bulk header
}

// NewWriter returns a Writer that flushes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// Reset discards anything buffered and any error and makes the Writer flush
// to w in RESP2, as a new Writer would.
func (w *Writer) Reset(wr io.Writer) {
	w.w, w.err, w.resp3 = wr, nil, false
	w.release()
}

// Redirect makes the Writer flush to w from now on, keeping the protocol
// and anything buffered: a connection whose output moves to another
// io.Writer (pub/sub's queue) still speaks what HELLO chose.
func (w *Writer) Redirect(wr io.Writer) { w.w = wr }

// SetProto selects the protocol of the replies written from now on: 3 for
// RESP3, anything else for RESP2.
func (w *Writer) SetProto(v int) { w.resp3 = v == 3 }

// Proto returns the protocol the Writer speaks, 2 or 3.
func (w *Writer) Proto() int {
	if w.resp3 {
		return 3
	}
	return 2
}

// release gives the buffer back to the pool.
func (w *Writer) release() {
	putBuf(w.buf)
	w.buf, w.mark = nil, 0
}

// out returns the buffer to append a reply to, taking one from the pool
// if the Writer holds none.
func (w *Writer) out() []byte {
	if w.buf == nil {
		w.buf = getBuf()[:0]
	}
	return w.buf
}

// Mark remembers how much is buffered, so that [Writer.DiscardSinceMark]
// can take back the replies written after it: what Redis's CLIENT REPLY
// OFF and SKIP do to a command's reply.
func (w *Writer) Mark() { w.mark = len(w.buf) }

// DiscardSinceMark drops what was written since the last Mark. What a
// Flush sent meanwhile is gone; what came after it is dropped.
func (w *Writer) DiscardSinceMark() {
	if w.buf != nil && w.mark <= len(w.buf) {
		w.buf = w.buf[:w.mark]
	}
}

// SetErrorHook makes every error reply call f with its text (after the
// leading '-'), so a server can count errors by code as Redis's INFO
// errorstats does; nil removes it. f must not write to the Writer.
func (w *Writer) SetErrorHook(f func(msg string)) { w.onError = f }

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
	if w.onError != nil {
		w.onError(s)
	}
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

// WriteNull writes nil: the null bulk string ("$-1") in RESP2, RESP3's
// null ("_").
func (w *Writer) WriteNull() {
	if w.resp3 {
		w.buf = append(w.out(), "_\r\n"...)
		return
	}
	w.buf = append(w.out(), "$-1\r\n"...)
}

// WriteNullArray writes the nil of a command that replies with an array:
// the null array ("*-1") in RESP2, RESP3's one null ("_").
func (w *Writer) WriteNullArray() {
	if w.resp3 {
		w.buf = append(w.out(), "_\r\n"...)
		return
	}
	w.buf = append(w.out(), "*-1\r\n"...)
}

// WriteArrayHeader starts an array of n elements; the caller writes them
// next.
func (w *Writer) WriteArrayHeader(n int) {
	w.buf = append(w.out(), '*')
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

// WriteMapHeader starts a map of n key-value pairs; the caller writes the
// 2n elements next, each key before its value. RESP2 has no map: it is an
// array of 2n elements there.
func (w *Writer) WriteMapHeader(n int) {
	if w.resp3 {
		w.header('%', n)
		return
	}
	w.header('*', 2*n)
}

// WriteSetHeader starts a set of n elements (RESP3 '~'), an array in RESP2.
func (w *Writer) WriteSetHeader(n int) {
	if w.resp3 {
		w.header('~', n)
		return
	}
	w.header('*', n)
}

// WritePushHeader starts an out-of-band message of n elements (RESP3 '>'),
// what pub/sub delivers; an array in RESP2.
func (w *Writer) WritePushHeader(n int) {
	if w.resp3 {
		w.header('>', n)
		return
	}
	w.header('*', n)
}

// WriteDouble writes a double as Redis formats one (%.17g; inf and -inf):
// RESP3's ',' type, a bulk string in RESP2.
func (w *Writer) WriteDouble(f float64) {
	if w.resp3 {
		w.buf = append(w.out(), ',')
		w.buf = AppendDouble(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = appendBulkHeader(w.out(), len(AppendDouble(w.scratch[:0], f)))
	w.buf = AppendDouble(w.buf, f)
	w.buf = append(w.buf, '\r', '\n')
}

// AppendDouble appends f as Redis writes a double reply: %.17g, with inf
// and -inf for the infinities (Go would write +Inf).
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// WriteBool writes a boolean: RESP3's "#t" or "#f", the integer 1 or 0 in
// RESP2.
func (w *Writer) WriteBool(b bool) {
	switch {
	case w.resp3 && b:
		w.buf = append(w.out(), "#t\r\n"...)
	case w.resp3:
		w.buf = append(w.out(), "#f\r\n"...)
	case b:
		w.buf = append(w.out(), ":1\r\n"...)
	default:
		w.buf = append(w.out(), ":0\r\n"...)
	}
}

// WriteVerbatim writes s as a verbatim string of the three-letter format
// ("txt", "mkd"), which RESP3 clients show as it is; a bulk string in
// RESP2. Redis sends INFO and CLIENT INFO/LIST this way.
func (w *Writer) WriteVerbatim(format, s string) {
	if !w.resp3 {
		w.WriteBulkString(s)
		return
	}
	w.buf = append(w.out(), '=')
	w.buf = strconv.AppendInt(w.buf, int64(len(format)+1+len(s)), 10)
	w.buf = append(w.buf, '\r', '\n')
	w.buf = append(w.buf, format...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *Writer) header(typ byte, n int) {
	w.buf = append(w.out(), typ)
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
