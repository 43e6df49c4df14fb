package resp

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// fuzzOpts are small limits, so that the fuzzer reaches them quickly.
var fuzzOpts = Options{MaxBulkLen: 256, MaxArrayLen: 8, MaxInlineLen: 128}

// maxCommandBytes is the most a command within fuzzOpts takes on the wire:
// a header line, then per argument a header line, the data and its CRLF.
const maxCommandBytes = (128 + 2) + 8*((128+2)+256+2)

func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"*1\r\n$4\r\nPING\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
		"*0\r\n*-1\r\nPING\r\n",
		"SET k v\r\nGET k\n",
		`SET "a b" 'c d' "\x41\n\"" 'it\'s'` + "\r\n",
		"SET \"unterminated\r\n",
		"*x\r\n", "*1\r\n:1\r\n", "*1\r\n$-1\r\n", "*9\r\n", "*1\r\n$257\r\n",
		"*1\r\n$99999999999999999999\r\n",
		"*1\r\n$4\r\nPI",
		"*" + string(bytes.Repeat([]byte("1"), 200)),
		string(bytes.Repeat([]byte("a"), 200)),
		"\x00\r\n", "\r\n\r\n", "'\\'",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(iotest.HalfReader(bytes.NewReader(data)), fuzzOpts)
		r.smallBuf = 16 // start small so that growth is exercised
		for {
			args, err := r.ReadCommand()
			if bound := 2 * maxCommandBytes; len(r.buf) > bound {
				t.Fatalf("buffer grew to %d bytes; the limits allow %d", len(r.buf), bound)
			}
			if bound := fuzzOpts.MaxInlineLen + 1; cap(r.args) > bound {
				t.Fatalf("argument slice grew to %d; the limits allow %d", cap(r.args), bound)
			}
			if err != nil {
				var pe *ProtocolError
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.As(err, &pe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if len(args) == 0 {
				t.Fatal("ReadCommand returned an empty command")
			}
			for _, a := range args {
				if len(a) > max(fuzzOpts.MaxBulkLen, fuzzOpts.MaxInlineLen) {
					t.Fatalf("argument of %d bytes is over the limits", len(a))
				}
			}
			roundTrip(t, args)
		}
	})
}

// roundTrip checks that what the Writer writes for args reads back as args.
func roundTrip(t *testing.T, args [][]byte) {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out)
	w.WriteArrayHeader(len(args))
	for _, a := range args {
		w.WriteBulk(a)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if enc := AppendCommand(nil, args...); !bytes.Equal(enc, out.Bytes()) {
		t.Fatalf("AppendCommand wrote %q, Writer wrote %q", enc, out.Bytes())
	}
	back, err := NewReader(&out, Options{NoInline: true}).ReadCommand()
	if err != nil {
		t.Fatalf("reading back %q: %v", args, err)
	}
	if len(back) != len(args) {
		t.Fatalf("read back %q, want %q", back, args)
	}
	for i := range args {
		if !bytes.Equal(back[i], args[i]) {
			t.Fatalf("read back %q, want %q", back, args)
		}
	}
}
