package resp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *Writer)
		want  string
	}{
		{"simple", func(w *Writer) { w.WriteSimple("PONG") }, "+PONG\r\n"},
		{"ok", func(w *Writer) { w.WriteOK() }, "+OK\r\n"},
		{"error", func(w *Writer) { w.WriteError("ERR syntax error") }, "-ERR syntax error\r\n"},
		{"error sanitized", func(w *Writer) { w.WriteError("ERR a\r\nb") }, "-ERR a  b\r\n"},
		{"int", func(w *Writer) { w.WriteInt(-42) }, ":-42\r\n"},
		{"bulk", func(w *Writer) { w.WriteBulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n"},
		{"empty bulk", func(w *Writer) { w.WriteBulk(nil) }, "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.WriteBulkString("hi") }, "$2\r\nhi\r\n"},
		{"null", func(w *Writer) { w.WriteNull() }, "$-1\r\n"},
		{"null array", func(w *Writer) { w.WriteNullArray() }, "*-1\r\n"},
		{"array", func(w *Writer) {
			w.WriteArrayHeader(2)
			w.WriteBulkString("a")
			w.WriteInt(1)
		}, "*2\r\n$1\r\na\r\n:1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			tt.write(w)
			if out.Len() != 0 {
				t.Fatal("wrote before Flush")
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("wrote %q, want %q", out.String(), tt.want)
			}
			if w.Buffered() != 0 {
				t.Fatalf("Buffered = %d after Flush", w.Buffered())
			}
		})
	}
}

// countWriter counts Write calls.
type countWriter struct {
	bytes.Buffer
	writes int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

func TestWriterOneWritePerFlush(t *testing.T) {
	var out countWriter
	w := NewWriter(&out)
	for range 1000 {
		w.WriteOK()
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.writes != 1 {
		t.Fatalf("%d writes for one flush, want 1", out.writes)
	}
}

type failWriter struct{}

var errFail = errors.New("fail")

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

func TestWriterErrorSticks(t *testing.T) {
	w := NewWriter(failWriter{})
	w.WriteOK()
	if err := w.Flush(); err != errFail {
		t.Fatalf("err = %v", err)
	}
	w.WriteOK()
	if err := w.Flush(); err != errFail {
		t.Fatalf("second Flush err = %v, want the first error again", err)
	}
	w.Reset(&bytes.Buffer{})
	if err := w.Flush(); err != nil {
		t.Fatalf("after Reset err = %v", err)
	}
}

func TestAppendCommand(t *testing.T) {
	have := string(AppendCommand(nil, []byte("SET"), []byte("k"), []byte("")))
	want := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
	if have != want {
		t.Fatalf("AppendCommand = %q, want %q", have, want)
	}
}

func BenchmarkWriterReplies(b *testing.B) {
	w := NewWriter(&bytes.Buffer{})
	val := []byte("value-value-value")
	b.ReportAllocs()
	for b.Loop() {
		for range 100 {
			w.WriteBulk(val)
			w.WriteOK()
			w.WriteInt(12345)
		}
		w.Discard()
	}
}

// TestWriterMark takes back what was written since Mark, and only that,
// across a Flush too.
func TestWriterMark(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	w.WriteOK()
	w.Mark()
	w.WriteInt(1)
	w.DiscardSinceMark()
	w.WriteInt(2)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if have, want := out.String(), "+OK\r\n:2\r\n"; have != want {
		t.Fatalf("wrote %q, want %q", have, want)
	}
	out.Reset()
	w.WriteInt(3)
	w.Mark()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w.WriteInt(4)
	w.DiscardSinceMark()
	w.WriteInt(5)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if have, want := out.String(), ":3\r\n:5\r\n"; have != want {
		t.Fatalf("wrote %q, want %q", have, want)
	}
}

// TestWriterErrorHook sees every error reply's text.
func TestWriterErrorHook(t *testing.T) {
	var seen []string
	w := NewWriter(io.Discard)
	w.SetErrorHook(func(msg string) { seen = append(seen, msg) })
	w.WriteError("ERR one")
	w.WriteOK()
	w.WriteError("WRONGTYPE two")
	if len(seen) != 2 || seen[0] != "ERR one" || seen[1] != "WRONGTYPE two" {
		t.Fatalf("the hook saw %q", seen)
	}
}
