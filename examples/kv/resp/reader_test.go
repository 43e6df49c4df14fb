package resp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads commands until an error and returns them with that error.
func readAll(r *Reader) ([][]string, error) {
	var cmds [][]string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		cmds = append(cmds, cmd)
	}
}

func TestReadCommand(t *testing.T) {
	small := Options{MaxBulkLen: 8, MaxArrayLen: 3, MaxInlineLen: 16}
	tests := []struct {
		name    string
		in      string
		opt     Options
		want    [][]string
		wantErr string // "" means io.EOF
	}{
		{name: "empty", in: ""},
		{name: "array", in: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", want: [][]string{{"GET", "k"}}},
		{name: "pipeline", in: "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$4\r\nPING\r\n",
			want: [][]string{{"PING"}, {"ECHO", "hi"}, {"PING"}}},
		{name: "binary bulk", in: "*2\r\n$3\r\nSET\r\n$4\r\n\r\n\x00\xff\r\n", want: [][]string{{"SET", "\r\n\x00\xff"}}},
		{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", want: [][]string{{"ECHO", ""}}},
		{name: "empty arrays skipped", in: "*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", want: [][]string{{"PING"}}},
		{name: "inline", in: "SET k v\r\nGET k\n", want: [][]string{{"SET", "k", "v"}, {"GET", "k"}}},
		{name: "inline blanks", in: "  \r\n\r\n\t GET   k \t\r\n", want: [][]string{{"GET", "k"}}},
		{name: "inline quotes", in: `SET "a b" 'c d' "x\x41\n\"" 'it\'s' ab"cd"` + "\r\n",
			want: [][]string{{"SET", "a b", "c d", "xA\n\"", "it's", "abcd"}}},
		{name: "inline empty quoted", in: "ECHO \"\"\r\n", want: [][]string{{"ECHO", ""}}},
		{name: "inline vertical tab inside token", in: "ECHO a\vb\r\n", want: [][]string{{"ECHO", "a\vb"}}},
		{name: "inline NUL ends line", in: "ECHO a\x00 b\r\n", want: [][]string{{"ECHO", "a"}}},
		{name: "inline unbalanced", in: "SET \"k v\r\n", wantErr: "Protocol error: unbalanced quotes in request"},
		{name: "inline quote glued", in: "SET \"k\"v x\r\n", wantErr: "Protocol error: unbalanced quotes in request"},
		{name: "inline single unbalanced", in: "SET 'k\r\n", wantErr: "Protocol error: unbalanced quotes in request"},
		{name: "bad multibulk length", in: "*x\r\n", wantErr: "Protocol error: invalid multibulk length"},
		{name: "plus count", in: "*+1\r\n", wantErr: "Protocol error: invalid multibulk length"},
		{name: "leading zero count", in: "*01\r\n", wantErr: "Protocol error: invalid multibulk length"},
		{name: "expected dollar", in: "*1\r\n:1\r\n", wantErr: "Protocol error: expected '$', got ':'"},
		{name: "bad bulk length", in: "*1\r\n$x\r\n", wantErr: "Protocol error: invalid bulk length"},
		{name: "negative bulk length", in: "*1\r\n$-1\r\n", wantErr: "Protocol error: invalid bulk length"},
		{name: "too many args", in: "*4\r\n", opt: small, wantErr: "Protocol error: invalid multibulk length"},
		{name: "huge array count", in: "*99999999999\r\n", wantErr: "Protocol error: invalid multibulk length"},
		{name: "bulk too long", in: "*1\r\n$9\r\n", opt: small, wantErr: "Protocol error: invalid bulk length"},
		{name: "bulk of 512MB+1", in: "*1\r\n$536870913\r\n", wantErr: "Protocol error: invalid bulk length"},
		{name: "bulk at limit", in: "*1\r\n$8\r\n12345678\r\n", opt: small, want: [][]string{{"12345678"}}},
		{name: "inline too long", in: strings.Repeat("a", 17) + "\n", opt: small, wantErr: "Protocol error: too big inline request"},
		{name: "inline too long no newline", in: strings.Repeat("a", 40), opt: small, wantErr: "Protocol error: too big inline request"},
		{name: "inline at limit", in: strings.Repeat("a", 16) + "\n", opt: small, want: [][]string{{strings.Repeat("a", 16)}}},
		{name: "mbulk header too long", in: "*" + strings.Repeat("1", 40), opt: small, wantErr: "Protocol error: too big mbulk count string"},
		{name: "bulk header too long", in: "*1\r\n$" + strings.Repeat("1", 40), opt: small, wantErr: "Protocol error: too big bulk count string"},
		{name: "inline refused", in: "PING\r\n", opt: Options{NoInline: true}, wantErr: "Protocol error: expected '*', got an inline command"},
		{name: "truncated header", in: "*2\r\n$3\r\nGET\r\n$1", wantErr: io.ErrUnexpectedEOF.Error()},
		{name: "truncated data", in: "*2\r\n$3\r\nGET\r\n$5\r\nab", wantErr: io.ErrUnexpectedEOF.Error()},
		{name: "truncated CRLF", in: "*1\r\n$4\r\nPING\r", wantErr: io.ErrUnexpectedEOF.Error()},
		{name: "truncated inline", in: "PING", wantErr: io.ErrUnexpectedEOF.Error()},
	}
	readers := map[string]func(string) io.Reader{
		"whole":   func(s string) io.Reader { return strings.NewReader(s) },
		"onebyte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"halfway": func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				have, err := readAll(NewReader(mk(tt.in), tt.opt))
				if tt.wantErr == "" {
					if err != io.EOF {
						t.Fatalf("err = %v, want io.EOF", err)
					}
				} else if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !equalCmds(have, tt.want) {
					t.Fatalf("commands = %q, want %q", have, tt.want)
				}
			})
		}
	}
}

func equalCmds(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestProtocolErrorIsTyped(t *testing.T) {
	_, err := NewReader(strings.NewReader("*x\r\n"), Options{}).ReadCommand()
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %T %v, want *ProtocolError", err, err)
	}
}

// A peer that announces a huge bulk string and sends little must cost
// little: the buffer grows with what arrives, not with what is announced.
func TestDeclaredSizeIsNotAllocated(t *testing.T) {
	in := "*1\r\n$500000000\r\n" + strings.Repeat("x", 100)
	r := NewReader(strings.NewReader(in), Options{})
	if _, err := r.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if len(r.buf) > initialBufSize {
		t.Fatalf("buffer grew to %d bytes for 100 bytes of data", len(r.buf))
	}
	in = "*1048576\r\n$1\r\nx\r\n"
	r = NewReader(strings.NewReader(in), Options{})
	if _, err := r.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if cap(r.args) > 16 || cap(r.offs) > 16 {
		t.Fatalf("argument slices grew to %d/%d for one argument", cap(r.args), cap(r.offs))
	}
}

func TestLargeBulkAcrossReads(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB, many buffer growths
	in := AppendCommand(nil, []byte("SET"), []byte("k"), big)
	in = AppendCommand(in, []byte("GET"), []byte("k"))
	r := NewReader(iotest.HalfReader(bytes.NewReader(in)), Options{})
	args, err := r.ReadCommand()
	if err != nil || len(args) != 3 || !bytes.Equal(args[2], big) {
		t.Fatalf("first command: %d args, err %v", len(args), err)
	}
	args, err = r.ReadCommand()
	if err != nil || len(args) != 2 || string(args[0]) != "GET" {
		t.Fatalf("second command: %q, %v", args, err)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
	if len(r.buf) > keepBufSize {
		t.Fatalf("buffer of %d bytes kept after the big command", len(r.buf))
	}
}

func TestOffsetAndBuffered(t *testing.T) {
	one := "*1\r\n$4\r\nPING\r\n"
	r := NewReader(strings.NewReader(one+one+"PING\r\n"), Options{})
	for i, want := range []int64{14, 28, 34} {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
		if have := r.Offset(); have != want {
			t.Fatalf("after command %d Offset = %d, want %d", i, have, want)
		}
	}
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d, want 0", r.Buffered())
	}
}

func TestArgsCapacityClipped(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), Options{})
	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	_ = append(args[0], 'X')
	if string(args[1]) != "b" {
		t.Fatalf("appending to one argument overwrote the next: %q", args[1])
	}
}

// stallReader returns no data and no error forever.
type stallReader struct{}

func (stallReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	if _, err := NewReader(stallReader{}, Options{}).ReadCommand(); err != ErrNoProgress {
		t.Fatalf("err = %v, want ErrNoProgress", err)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"123", 123, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false}, {"", 0, false}, {"-", 0, false}, {"-0", 0, false},
		{"+1", 0, false}, {"01", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false},
		{"123456789012345678901", 0, false},
	}
	for _, tt := range tests {
		have, ok := ParseInt([]byte(tt.in))
		if have != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, have, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkReadCommandPipeline(b *testing.B) {
	var in []byte
	for range 100 {
		in = AppendCommand(in, []byte("SET"), []byte("key:000123"), []byte("value-value-value"))
	}
	rd := bytes.NewReader(in)
	r := NewReader(rd, Options{})
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(in)
		r.Reset(rd)
		for {
			if _, err := r.ReadCommand(); err != nil {
				break
			}
		}
	}
}

// countReader counts Read calls.
type countReader struct {
	r     io.Reader
	reads int
}

func (c *countReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// A long line must be read in few, growing reads, not byte by byte.
func TestLongLineReadsGrow(t *testing.T) {
	cr := &countReader{r: strings.NewReader(strings.Repeat("a", 70000))}
	if _, err := NewReader(cr, Options{}).ReadCommand(); err == nil || err.Error() != errTooBigInline.Error() {
		t.Fatalf("err = %v, want too big inline request", err)
	}
	if cr.reads > 10 {
		t.Fatalf("%d reads for 70000 bytes", cr.reads)
	}
}

// A big argument is read into a buffer of exactly its size, which the
// caller may keep: the Reader neither reuses it nor holds on to it, and its
// read buffer is back to its small size once the command is done.
func TestBigArgOwnBuffer(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 300_000) // 3 MB
	mid := bytes.Repeat([]byte("m"), BigArg)           // fully buffered when pipelined
	in := AppendCommand(nil, []byte("SET"), []byte("k"), big)
	in = AppendCommand(in, []byte("MSET"), []byte("a"), mid, []byte("b"), []byte("v"))
	in = AppendCommand(in, []byte("GET"), []byte("k"))
	for name, rd := range map[string]io.Reader{
		"half reads": iotest.HalfReader(bytes.NewReader(in)),
		"one read":   bytes.NewReader(in),
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(rd, Options{})
			args, err := r.ReadCommand()
			if err != nil || len(args) != 3 || !bytes.Equal(args[2], big) {
				t.Fatalf("SET: %d args, err %v", len(args), err)
			}
			if !r.Owned(2) || r.Owned(1) || cap(args[2]) != len(big) {
				t.Fatalf("owned %v %v, cap %d: want the value alone owned, exactly sized", r.Owned(1), r.Owned(2), cap(args[2]))
			}
			kept := args[2]
			if have, want := r.Offset(), int64(len(AppendCommand(nil, []byte("SET"), []byte("k"), big))); have != want {
				t.Fatalf("Offset = %d, want %d", have, want)
			}
			args, err = r.ReadCommand()
			if err != nil || len(args) != 5 || !bytes.Equal(args[2], mid) || string(args[4]) != "v" || !r.Owned(2) || r.Owned(4) {
				t.Fatalf("MSET: %q, %v", args, err)
			}
			if _, err = r.ReadCommand(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(kept, big) {
				t.Fatal("a kept argument was overwritten by later reads")
			}
			if _, err = r.ReadCommand(); err != io.EOF {
				t.Fatalf("err = %v, want EOF", err)
			}
			if len(r.buf) > keepBufSize || len(r.bigs) != 0 {
				t.Fatalf("after the big command: buffer %d bytes, %d big arguments held", len(r.buf), len(r.bigs))
			}
			if have := r.Offset(); have != int64(len(in)) {
				t.Fatalf("Offset = %d, want %d", have, len(in))
			}
		})
	}
}

// A command past MaxQueryBuffer, in one big argument or in many small
// ones, ends with ErrQueryBufferLimit and no reply text.
func TestQueryBufferLimit(t *testing.T) {
	small := bytes.Repeat([]byte("x"), 1000)
	many := [][]byte{[]byte("MSET")}
	for range 200 {
		many = append(many, []byte("k"), small)
	}
	for name, in := range map[string][]byte{
		"one big argument":     AppendCommand(nil, []byte("SET"), []byte("k"), bytes.Repeat([]byte("x"), 100_000)),
		"many small arguments": AppendCommand(nil, many...),
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(in), Options{MaxQueryBuffer: 64 << 10})
			if _, err := r.ReadCommand(); !errors.Is(err, ErrQueryBufferLimit) {
				t.Fatalf("err = %v, want ErrQueryBufferLimit", err)
			}
		})
	}
}
