package resp

import (
	"bytes"
	"io"
	"slices"
	"testing"
)

// waitingSource is a ReadWaiter over a list of chunks, one per wait: it
// records, at each wait, whether the Reader held a buffer.
type waitingSource struct {
	r        *Reader
	chunks   [][]byte
	next     bytes.Reader
	waits    int
	heldBufs int
}

func (s *waitingSource) WaitReadable() error {
	s.waits++
	if s.r.buf != nil {
		s.heldBufs++
	}
	if len(s.chunks) == 0 {
		return io.EOF
	}
	s.next.Reset(s.chunks[0])
	s.chunks = s.chunks[1:]
	return nil
}

func (s *waitingSource) Read(p []byte) (int, error) { return s.next.Read(p) }

// Between commands a Reader over a ReadWaiter waits without a buffer: it
// gives its buffer back once it has returned all it read, and waits
// before it takes one.
func TestReaderWaitsWithoutABuffer(t *testing.T) {
	src := &waitingSource{chunks: [][]byte{[]byte("*1\r\n$4\r\nPING\r\n"), []byte("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n")}}
	r := NewReader(src, Options{})
	src.r = r
	var got []string
	for {
		args, err := r.ReadCommand()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(bytes.Join(args, []byte(" "))))
	}
	if want := []string{"PING", "ECHO hi", "PING"}; !slices.Equal(got, want) {
		t.Fatalf("commands = %q; want %q", got, want)
	}
	if src.waits != 3 || src.heldBufs != 0 {
		t.Fatalf("%d waits, %d of them holding a buffer; want 3 waits, none holding one", src.waits, src.heldBufs)
	}
	if r.buf != nil {
		t.Fatal("the Reader holds a buffer at the end of the stream")
	}
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
	src := &waitingSource{}
	r := NewReader(src, Options{})
	src.r = r
	w := NewWriter(io.Discard)
	cmd := [][]byte{[]byte("*1\r\n$4\r\nPING\r\n")}
	allocs := testing.AllocsPerRun(100, func() {
		src.chunks = cmd
		r.Reset(src)
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
