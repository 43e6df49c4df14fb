package resp

import (
	"bytes"
	"io"
	"testing"
)

// A Reader gives its buffer back once it has returned every command it
// read: at Release, or at the next ReadCommand. It holds one while a
// command is only partly read.
func TestReaderReleasesItsBuffer(t *testing.T) {
	src := &chunks{"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi", "\r\n"}
	r := NewReader(src, Options{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	r.Release()
	if r.buf == nil {
		t.Fatal("Release gave back a buffer that holds the start of the next command")
	}
	args, err := r.ReadCommand()
	if err != nil || len(args) != 2 || string(args[1]) != "hi" {
		t.Fatalf("ReadCommand = %q, %v; want ECHO hi", args, err)
	}
	r.Release()
	if r.buf != nil {
		t.Fatal("Release kept the buffer with every command returned")
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("ReadCommand at the end = %v; want io.EOF", err)
	}
	if r.buf != nil {
		t.Fatal("the Reader holds a buffer at the end of the stream")
	}
}

// chunks is a source that returns one string per Read.
type chunks []string

func (c *chunks) Read(p []byte) (int, error) {
	if len(*c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*c)[0])
	(*c)[0] = (*c)[0][n:]
	if (*c)[0] == "" {
		*c = (*c)[1:]
	}
	return n, nil
}

// A Writer holds a buffer only while replies wait: Flush and Discard give
// it back.
func TestWriterHoldsNoBufferWhenFlushed(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	if w.buf != nil {
		t.Fatal("a new Writer holds a buffer")
	}
	w.WriteOK()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.buf != nil || out.String() != "+OK\r\n" {
		t.Fatalf("after Flush: buffer held %v, wrote %q", w.buf != nil, out.String())
	}
	w.WriteInt(1)
	w.Discard()
	if w.buf != nil || w.Buffered() != 0 {
		t.Fatal("Discard kept the buffer")
	}
}

// Taking and giving back pooled buffers costs no allocation once the pool
// is warm, whatever the order of reads and writes.
func TestPooledBuffersDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops buffers on purpose")
	}
	var src bytes.Reader
	r := NewReader(&src, Options{})
	w := NewWriter(io.Discard)
	cmd := []byte("*1\r\n$4\r\nPING\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(cmd)
		r.Reset(&src)
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
		w.WriteSimple("PONG")
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per command; want 0", allocs)
	}
}

// A buffer grown past the pool's size for one big command is not put
// back: the pool holds only buffers of its own size.
func TestGrownBuffersAreNotPooled(t *testing.T) {
	putBuf(make([]byte, 2*initialBufSize))
	putBuf(make([]byte, 10))
	for range 3 {
		if b := getBuf(); len(b) != initialBufSize || cap(b) != initialBufSize {
			t.Fatalf("pool gave a buffer of len %d cap %d; want %d", len(b), cap(b), initialBufSize)
		}
	}
}
