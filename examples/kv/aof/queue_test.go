package aof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// budgetWriter takes budget bytes, then fails, after taking what is left.
type budgetWriter struct {
	buf    bytes.Buffer
	budget int64 // -1: no limit
}

func (b *budgetWriter) Write(p []byte) (int, error) {
	if b.budget < 0 || int64(len(p)) <= b.budget {
		if b.budget >= 0 {
			b.budget -= int64(len(p))
		}
		return b.buf.Write(p)
	}
	n, _ := b.buf.Write(p[:b.budget])
	b.budget = 0
	return n, errDisk
}

// FuzzQueue checks the Writer's buffer against resp.AppendCommand: records
// of small and big arguments, some referenced, some copied, split between
// two queues that are merged after a write that failed part way (as
// flushLocked merges buf into a pending remainder), then written in up to
// three attempts cut anywhere, give the same bytes. Its seeds are in
// testdata/fuzz/FuzzQueue, so the normal test run checks them.
func FuzzQueue(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec []byte, cut1, cut2 uint32) {
		if len(spec) > 64 {
			spec = spec[:64]
		}
		var q1, q2 resp.Batch
		var want []byte
		var rec [][]byte
		kept := map[*byte]bool{}
		keep := func(a []byte) bool { return kept[&a[0]] }
		flush := func(i int) {
			if len(rec) == 0 {
				return
			}
			want = resp.AppendCommand(want, rec...)
			if i < len(spec)/2 {
				q1.AppendCommand(rec, keep)
			} else {
				q2.AppendCommand(rec, keep)
			}
			rec = nil
		}
		for i := 0; i+1 < len(spec); i += 2 {
			k, c := spec[i], spec[i+1]
			var n int
			switch k % 4 {
			case 0:
				n = int(k / 4)
			case 1:
				n = resp.BigArg - 1
			case 2:
				n = resp.BigArg + int(k)
			default:
				n = 2*resp.BigArg + int(k)
			}
			a := bigValue(n, k^c)
			if c&1 != 0 && n > 0 {
				kept[&a[0]] = true
			}
			rec = append(rec, a)
			if c&2 != 0 {
				flush(i)
			}
		}
		flush(len(spec))
		size := q1.Len() + q2.Len()
		if size != int64(len(want)) {
			t.Fatalf("sizes %d+%d, want %d", q1.Len(), q2.Len(), len(want))
		}
		// The first attempt writes part of q1 and fails; q2 joins the
		// remainder; two more attempts, the last without a limit.
		w := &budgetWriter{budget: int64(cut1) % (q1.Len() + 1)}
		n, err := q1.WriteTo(w, 0)
		if n != int64(w.buf.Len()) || (err == nil) != (n == q1.Len()) || err != nil && !errors.Is(err, errDisk) {
			t.Fatalf("first write: %d, %v; %d written", n, err, w.buf.Len())
		}
		wrote1 := err == nil
		skip := n
		if wrote1 {
			q1.Reset(keepBufSize)
			skip = 0
		}
		q1.AppendBatch(&q2)
		q2.Reset(keepBufSize)
		w.budget = int64(cut2) % (q1.Len() - skip + 1)
		n, err = q1.WriteTo(w, skip)
		skip += n
		if err == nil && skip != q1.Len() || err != nil && !errors.Is(err, errDisk) {
			t.Fatalf("second write: %d, %v", n, err)
		}
		w.budget = -1
		if _, err := q1.WriteTo(w, skip); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.buf.Bytes(), want) {
			t.Fatalf("wrote %d bytes, not AppendCommand's %d", w.buf.Len(), len(want))
		}
	})
}
