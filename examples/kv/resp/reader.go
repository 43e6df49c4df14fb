package resp

import (
	"bytes"
	"errors"
	"io"
)

// Redis's own limits, used for the zero values of [Options].
const (
	// DefaultMaxBulkLen is Redis's proto-max-bulk-len: 512 MB.
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxArrayLen is the largest multibulk count Redis accepted
	// before it became configurable: 1024*1024 arguments.
	DefaultMaxArrayLen = 1024 * 1024
	// DefaultMaxInlineLen is Redis's PROTO_INLINE_MAX_SIZE: 64 KB, the
	// bound on an inline command and on the header line of an array or a
	// bulk string.
	DefaultMaxInlineLen = 64 << 10
	// DefaultMaxQueryBuffer is Redis's client-query-buffer-limit: 1 GB.
	DefaultMaxQueryBuffer = 1 << 30
	// BigArg is the length from which a bulk string is read into a buffer
	// of its own, of exactly its size, as Redis reads one from
	// PROTO_MBULK_BIG_ARG (32 KB) on: a large value then costs its own
	// size, not a doubled read buffer and a copy, and the caller may keep
	// it (see [Reader.Owned]).
	BigArg = 32 << 10
)

const (
	// initialBufSize is what a fresh Reader buffers (Redis's
	// PROTO_IOBUF_LEN): big enough for a read of many small pipelined
	// commands in one system call.
	initialBufSize = 16 << 10
	// keepBufSize is the largest unquoting scratch a Reader keeps once
	// a command is done; one big inline command must not pin its memory
	// for the life of the connection.
	keepBufSize = 256 << 10
	// keepArgs is the largest argument slice kept between commands.
	keepArgs = 1024
	// bigArgProof is the share of a big argument (1/bigArgProof) that must
	// have arrived before its full size is allocated.
	bigArgProof = 8
)

// Options bounds what a [Reader] accepts. The zero value is Redis's limits.
type Options struct {
	MaxBulkLen   int  // longest bulk string; 0 means DefaultMaxBulkLen
	MaxArrayLen  int  // most arguments in one command; 0 means DefaultMaxArrayLen
	MaxInlineLen int  // longest inline command or header line; 0 means DefaultMaxInlineLen
	NoInline     bool // refuse inline commands (for files that hold only arrays)
	// MaxQueryBuffer bounds what one command may make the Reader hold:
	// its arguments and the bytes buffered after them. Past it
	// ReadCommand returns ErrQueryBufferLimit. 0 means
	// DefaultMaxQueryBuffer.
	MaxQueryBuffer int64
}

// ErrNoProgress is returned when the underlying reader keeps returning no
// data and no error, which would otherwise spin forever.
var ErrNoProgress = errors.New("resp: reader made no progress")

// ErrQueryBufferLimit is returned when a command would make the Reader hold
// more than Options.MaxQueryBuffer bytes. It is not a [ProtocolError]:
// Redis answers nothing, it logs the client and closes the connection.
var ErrQueryBufferLimit = errors.New("resp: client reached the max query buffer length")

// A ProtocolError is a request that is not RESP or breaks a limit. Its text
// is Redis's, starting with "Protocol error: ", so a server replies with
// "-ERR " and the error's text, then closes the connection.
type ProtocolError struct {
	msg string
}

// Error returns Redis's text, "Protocol error: " and what was wrong.
func (e *ProtocolError) Error() string { return "Protocol error: " + e.msg }

// Redis's texts for the protocol errors a request can hit.
var (
	errTooBigInline    = &ProtocolError{"too big inline request"}
	errTooBigMbulk     = &ProtocolError{"too big mbulk count string"}
	errTooBigBulk      = &ProtocolError{"too big bulk count string"}
	errMultibulkLen    = &ProtocolError{"invalid multibulk length"}
	errBulkLen         = &ProtocolError{"invalid bulk length"}
	errUnbalanced      = &ProtocolError{"unbalanced quotes in request"}
	errInlineForbidden = &ProtocolError{"expected '*', got an inline command"}
)

// expectedDollar is Redis's "expected '$', got '%c'", without fmt.
func expectedDollar(c byte) error {
	return &ProtocolError{"expected '$', got '" + string(rune(c)) + "'"}
}

// Reader reads commands from a stream. It is not safe for concurrent use.
//
// A Reader holds a read buffer only while it has bytes of the stream in
// hand: it takes one from a pool shared by all Readers and Writers when it
// reads, and gives it back at the next ReadCommand once it has returned
// every command it read, or at [Reader.Release]. A server that waits for a
// connection's next bytes without a buffer (as listener.WaitReadable
// does) before it calls ReadCommand holds none while the connection is
// idle.
type Reader struct {
	rd   io.Reader
	opt  Options
	buf  []byte // nil while nothing is buffered
	r, w int    // buf[r:w] is read from rd but not yet consumed
	base int64  // stream offset of buf[0]
	err  error  // sticky error from rd, reported once the buffer is used up

	args    [][]byte
	owned   []bool // per argument of the last command: read into its own buffer
	offs    []int  // start/end pairs of a command's arguments, relative to r; -1-i, 0 for bigs[i]
	scratch []byte // inline arguments after unquoting

	smallBuf int // a test's size for fresh buffers, to exercise growth; 0 takes them from the pool

	bigs     [][]byte // the big arguments of the command being read
	bigBytes int64    // their total length
	skipped  int64    // stream bytes of the command read straight into bigs, not through buf
}

// NewReader returns a Reader of commands from rd with the limits in opt.
func NewReader(rd io.Reader, opt Options) *Reader {
	if opt.MaxBulkLen <= 0 {
		opt.MaxBulkLen = DefaultMaxBulkLen
	}
	if opt.MaxArrayLen <= 0 {
		opt.MaxArrayLen = DefaultMaxArrayLen
	}
	if opt.MaxInlineLen <= 0 {
		opt.MaxInlineLen = DefaultMaxInlineLen
	}
	if opt.MaxQueryBuffer <= 0 {
		opt.MaxQueryBuffer = DefaultMaxQueryBuffer
	}
	return &Reader{rd: rd, opt: opt}
}

// Reset makes r read from rd as if new, keeping its limits and its
// argument slices (but not its read buffer) so
// that a pool of Readers serves connection after connection without
// allocating.
func (r *Reader) Reset(rd io.Reader) {
	r.rd = rd
	r.r, r.w, r.base, r.err = 0, 0, 0, nil
	r.dropArgs()
	r.releaseBuf()
}

// Release gives the read buffer back to the pool if every byte read has
// been returned as a command; the last command's arguments must not be
// used after it. A server calls it before it waits for the next command.
func (r *Reader) Release() {
	if r.r == r.w {
		r.shrink()
	}
}

// releaseBuf gives the read buffer back; the Reader must hold no unread
// bytes.
func (r *Reader) releaseBuf() {
	putBuf(r.buf)
	r.buf = nil
}

// Owned reports whether argument i of the last command returned is the
// caller's to keep: a bulk string of BigArg bytes or more, read into a
// buffer of its own that the Reader never reads into again. The caller may
// store it without a copy. Other arguments alias the Reader's buffer.
func (r *Reader) Owned(i int) bool { return i < len(r.owned) && r.owned[i] }

// dropArgs forgets the last command's arguments, so that a big one is not
// kept alive by the Reader once the caller has done with it.
func (r *Reader) dropArgs() {
	clear(r.args)
	r.args = r.args[:0]
	clear(r.bigs)
	r.bigs, r.bigBytes, r.skipped = r.bigs[:0], 0, 0
}

// MaxQueryBuffer returns the Reader's query buffer limit, its default
// filled in.
func (r *Reader) MaxQueryBuffer() int64 { return r.opt.MaxQueryBuffer }

// BigBytes returns the total length of the big arguments (see [BigArg]) of
// the last command returned.
func (r *Reader) BigBytes() int64 { return r.bigBytes }

// MaxBulkLen returns the Reader's longest bulk string, its default filled
// in.
func (r *Reader) MaxBulkLen() int { return r.opt.MaxBulkLen }

// Buffered returns how many bytes have been read from the stream but not yet
// consumed as commands.
func (r *Reader) Buffered() int { return r.w - r.r }

// Offset returns how many bytes of the stream the commands returned so far
// took up: the offset at which the next command starts.
func (r *Reader) Offset() int64 { return r.base + int64(r.r) }

// ReadCommand returns the next command's arguments. An empty command (an
// empty array or a blank inline line) is skipped, as Redis does, so the
// result always has at least one argument.
//
// The arguments alias the Reader's buffer and are valid only until the next
// call; copy what must outlive it. Their capacity is clipped, so appending
// to one cannot overwrite the next.
//
// At the end of the stream between two commands ReadCommand returns io.EOF;
// in the middle of one it returns io.ErrUnexpectedEOF. A malformed request
// returns a *ProtocolError, after which the stream cannot be trusted. Other
// errors are the underlying reader's, returned once the commands that
// arrived before them have been read.
func (r *Reader) ReadCommand() ([][]byte, error) {
	r.dropArgs()
	for {
		if r.r == r.w {
			r.shrink()
			if err := r.need(1); err != nil {
				return nil, err
			}
		}
		var args [][]byte
		var err error
		if r.buf[r.r] == '*' {
			args, err = r.readArray()
		} else if r.opt.NoInline {
			err = errInlineForbidden
		} else {
			args, err = r.readInline()
		}
		if err != nil || len(args) > 0 {
			return args, err
		}
	}
}

// shrink gives back the read buffer once it is empty, and drops the
// slices that one big command grew.
func (r *Reader) shrink() {
	r.base += int64(r.r)
	r.r, r.w = 0, 0
	r.releaseBuf()
	if cap(r.args) > keepArgs {
		r.args, r.offs, r.owned, r.bigs = nil, nil, nil, nil
	}
	if cap(r.scratch) > keepBufSize {
		r.scratch = nil
	}
}

// need makes at least n bytes available at buf[r:], reading as much as the
// buffer holds. The buffer grows by doubling when it is full, never
// straight to n, so it stays within twice what the peer has actually sent.
func (r *Reader) need(n int) error {
	for stalls := 0; r.w-r.r < n; {
		if r.err != nil {
			if r.err == io.EOF && r.w > r.r {
				return io.ErrUnexpectedEOF
			}
			return r.err
		}
		if r.buf == nil {
			if r.smallBuf > 0 {
				r.buf = make([]byte, r.smallBuf)
			} else {
				r.buf = getBuf()
			}
		}
		if r.w == len(r.buf) {
			if r.r > 0 {
				// Offsets of a command in progress are relative to r,
				// so moving the unread bytes down keeps them valid.
				copy(r.buf, r.buf[r.r:r.w])
				r.base += int64(r.r)
				r.w -= r.r
				r.r = 0
			} else {
				// Full of one unfinished command: double. The buffer
				// was full of data the peer sent, so it stays within
				// twice that, whatever length the command announced.
				if int64(r.w)+r.bigBytes >= r.opt.MaxQueryBuffer {
					return ErrQueryBufferLimit
				}
				nb := make([]byte, 2*len(r.buf))
				copy(nb, r.buf[:r.w])
				r.buf = nb
			}
		}
		m, err := r.rd.Read(r.buf[r.w:])
		r.w += m
		if err != nil {
			r.err = err
			if r.r == r.w {
				r.shrink() // the stream ended or failed with nothing in hand
			}
		} else if m == 0 {
			if stalls++; stalls > 100 {
				r.err = ErrNoProgress
			}
		}
	}
	return nil
}

// line finds the CR that ends a header line starting at buf[r+from] and
// returns its offset relative to r, with the byte after it (the LF) also
// buffered. Like Redis it trusts that byte to be LF. A header with no CR
// within the inline limit is refused with tooBig.
func (r *Reader) line(from int, tooBig error) (int, error) {
	scanned := from
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\r'); i >= 0 {
			cr := scanned + i
			if cr-from > r.opt.MaxInlineLen {
				return 0, tooBig
			}
			if err := r.need(cr + 2); err != nil {
				return 0, err
			}
			return cr, nil
		}
		scanned = r.w - r.r
		if scanned-from > r.opt.MaxInlineLen {
			return 0, tooBig
		}
		if err := r.need(scanned + 1); err != nil {
			return 0, err
		}
	}
}

// readArray reads "*<n>\r\n" and n bulk strings. Argument positions are
// kept relative to r while the buffer may move or grow, and become slices
// only once the whole command is in.
func (r *Reader) readArray() ([][]byte, error) {
	cr, err := r.line(0, errTooBigMbulk)
	if err != nil {
		return nil, err
	}
	n, ok := ParseInt(r.buf[r.r+1 : r.r+cr])
	if !ok || n > int64(r.opt.MaxArrayLen) {
		return nil, errMultibulkLen
	}
	pos := cr + 2
	if n <= 0 {
		r.r += pos
		return nil, nil
	}
	r.offs = r.offs[:0]
	for range n {
		if err := r.need(pos + 1); err != nil {
			return nil, err
		}
		if c := r.buf[r.r+pos]; c != '$' {
			return nil, expectedDollar(c)
		}
		cr, err := r.line(pos, errTooBigBulk)
		if err != nil {
			return nil, err
		}
		l, ok := ParseInt(r.buf[r.r+pos+1 : r.r+cr])
		if !ok || l < 0 || l > int64(r.opt.MaxBulkLen) {
			return nil, errBulkLen
		}
		start := cr + 2
		if l >= BigArg {
			if pos, err = r.readBig(start, int(l)); err != nil {
				return nil, err
			}
			continue
		}
		end := start + int(l)
		if err := r.need(end + 2); err != nil {
			return nil, err
		}
		r.offs = append(r.offs, start, end)
		pos = end + 2 // like Redis, the CRLF after the data is skipped unread
	}
	args, owned := r.args[:0], r.owned[:0]
	for i := 0; i < len(r.offs); i += 2 {
		if big := r.offs[i]; big < 0 {
			args = append(args, r.bigs[-1-big])
			owned = append(owned, true)
			continue
		}
		s, e := r.r+r.offs[i], r.r+r.offs[i+1]
		args = append(args, r.buf[s:e:e])
		owned = append(owned, false)
	}
	r.args, r.owned = args, owned
	r.r += pos
	r.base += r.skipped
	r.skipped = 0
	return args, nil
}

// readBig reads a bulk string of l bytes, whose data starts at buf[r+start],
// into a buffer of exactly its size: what is buffered already is copied,
// the rest is read straight from the stream into it. It returns the
// position after the CRLF that follows it. The bytes taken out of buf are
// counted in skipped, so that Offset stays the stream's.
//
// The exact buffer is made only once an eighth of the data (up to 1 MB of
// it, all of a smaller one) has arrived through buf: a peer that announces
// 512 MB and sends nothing costs what it sent, not what it announced,
// while a real value costs at most its size and a quarter at its peak.
func (r *Reader) readBig(start, l int) (int, error) {
	if int64(start)+r.bigBytes+int64(l) > r.opt.MaxQueryBuffer {
		return 0, ErrQueryBufferLimit
	}
	if err := r.need(start + min(l, max(l/bigArgProof, 1<<20))); err != nil {
		return 0, err
	}
	arg := make([]byte, l)
	from := r.r + start
	n := copy(arg, r.buf[min(from, r.w):r.w])
	if n == l {
		// Pipelined: all of it was buffered already.
		if err := r.need(start + l + 2); err != nil {
			return 0, err
		}
		r.addBig(arg)
		return start + l + 2, nil
	}
	// Take the copied bytes out of buf, and read the rest around it.
	r.w = from
	r.skipped += int64(n)
	for stalls := 0; n < l; {
		if r.err != nil {
			if r.err == io.EOF {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, r.err
		}
		m, err := r.rd.Read(arg[n:])
		n += m
		r.skipped += int64(m)
		if err != nil {
			r.err = err
		} else if m == 0 {
			if stalls++; stalls > 100 {
				r.err = ErrNoProgress
			}
		}
	}
	if err := r.need(start + 2); err != nil {
		return 0, err
	}
	r.addBig(arg)
	return start + 2, nil
}

// addBig records arg as the command's next argument.
func (r *Reader) addBig(arg []byte) {
	r.offs = append(r.offs, -1-len(r.bigs), 0)
	r.bigs = append(r.bigs, arg)
	r.bigBytes += int64(len(arg))
}

// readInline reads one line and splits it into arguments.
func (r *Reader) readInline() ([][]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\n'); i >= 0 {
			nl := scanned + i
			if nl > r.opt.MaxInlineLen {
				return nil, errTooBigInline
			}
			line := r.buf[r.r : r.r+nl]
			r.r += nl + 1
			return r.splitInline(line)
		}
		scanned = r.w - r.r
		if scanned > r.opt.MaxInlineLen {
			return nil, errTooBigInline
		}
		if err := r.need(scanned + 1); err != nil {
			return nil, err
		}
	}
}

// splitInline splits an inline line into arguments the way Redis's
// sdssplitargs does: blanks separate arguments; "double quotes" allow
// \n \r \t \b \a \xHH and backslash escapes; 'single quotes' allow only \';
// a closing quote must be followed by a blank or the end. A NUL ends the
// line, as it ends the C string Redis parses.
func (r *Reader) splitInline(line []byte) ([][]byte, error) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	sc := r.scratch[:0]
	r.offs = r.offs[:0]
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			break
		}
		start := len(sc)
		quote := byte(0) // the quote the token is inside, if any
	token:
		for {
			switch {
			case quote != 0:
				if p == len(line) {
					return nil, errUnbalanced
				}
				c := line[p]
				switch {
				case quote == '"' && c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					sc = append(sc, unhex(line[p+2])<<4|unhex(line[p+3]))
					p += 3
				case quote == '"' && c == '\\' && p+1 < len(line):
					p++
					switch c = line[p]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					sc = append(sc, c)
				case quote == '\'' && c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					sc = append(sc, '\'')
				case c == quote:
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, errUnbalanced
					}
					p++
					break token
				default:
					sc = append(sc, c)
				}
				p++
			default:
				if p == len(line) {
					break token
				}
				switch c := line[p]; c {
				case ' ', '\n', '\r', '\t':
					p++
					break token
				case '"', '\'':
					quote = c
				default:
					sc = append(sc, c)
				}
				p++
			}
		}
		r.offs = append(r.offs, start, len(sc))
	}
	r.scratch = sc
	args, owned := r.args[:0], r.owned[:0]
	for i := 0; i < len(r.offs); i += 2 {
		s, e := r.offs[i], r.offs[i+1]
		args = append(args, sc[s:e:e])
		owned = append(owned, false)
	}
	r.args, r.owned = args, owned
	return args, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// ParseInt parses b as Redis parses integers (string2ll), in the protocol's
// lengths and in commands' arguments alike: strictly decimal, an optional
// '-', no '+', no leading zeros, no blanks, within int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
