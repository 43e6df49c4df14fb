package server

import (
	"errors"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// lcsRange is one match of LCS ... IDX: the positions of a run of the
// common subsequence in each string, inclusive.
type lcsRange struct{ a0, a1, b0, b1 int }

// cmdLCS is LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the
// longest common subsequence of two strings, by the dynamic programming
// table Redis uses, with its replies and its limit on that table (no
// larger than proto-max-bulk-len). A missing key is an empty string.
func cmdLCS(c *conn, args [][]byte) {
	a, foundA, errA := c.db.GetString(args[1])
	b, foundB, errB := c.db.GetString(args[2])
	c.lookedUp(args[1], foundA, errA)
	c.lookedUp(args[2], foundB, errB)
	if errors.Is(errA, store.ErrWrongType) || errors.Is(errB, store.ErrWrongType) {
		c.w.WriteError("ERR The specified keys must contain string values")
		return
	}
	if err := errors.Join(errA, errB); err != nil {
		c.writeStoreError(err)
		return
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for i := 3; i < len(args); i++ {
		switch {
		case eqFold(args[i], "IDX"):
			getIdx = true
		case eqFold(args[i], "LEN"):
			getLen = true
		case eqFold(args[i], "WITHMATCHLEN"):
			withLen = true
		case eqFold(args[i], "MINMATCHLEN") && i+1 < len(args):
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.w.WriteError(errNotInteger)
				return
			}
			minLen = max(n, 0)
			i++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.w.WriteError("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if int64(len(a)+1)*int64(len(b)+1)*4 > int64(c.r.MaxBulkLen()) {
		c.w.WriteError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	// t[i*(len(b)+1)+j] is the length of the LCS of a[:i] and b[:j].
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				t[i*w+j] = t[(i-1)*w+j-1] + 1
			} else {
				t[i*w+j] = max(t[(i-1)*w+j], t[i*w+j-1])
			}
		}
	}
	n := int(t[len(a)*w+len(b)])
	if getLen {
		c.w.WriteInt(int64(n))
		return
	}
	// Walk back from the end, gathering the subsequence and its runs.
	out := make([]byte, n)
	var ranges []lcsRange
	cur, open := lcsRange{}, false
	emit := func() {
		if open && (minLen == 0 || int64(cur.a1-cur.a0+1) >= minLen) {
			ranges = append(ranges, cur)
		}
		open = false
	}
	for i, j, k := len(a), len(b), n; i > 0 && j > 0; {
		if a[i-1] == b[j-1] {
			out[k-1] = a[i-1]
			switch {
			case !open:
				cur, open = lcsRange{i - 1, i - 1, j - 1, j - 1}, true
			case cur.a0 == i && cur.b0 == j: // contiguous: extend backwards
				cur.a0, cur.b0 = i-1, j-1
			default:
				emit()
				cur, open = lcsRange{i - 1, i - 1, j - 1, j - 1}, true
			}
			i, j, k = i-1, j-1, k-1
			if cur.a0 == 0 || cur.b0 == 0 {
				emit()
			}
			continue
		}
		if t[(i-1)*w+j] > t[i*w+j-1] {
			i--
		} else {
			j--
		}
		emit()
	}
	if !getIdx {
		c.w.WriteBulk(out)
		return
	}
	c.w.WriteArrayHeader(4)
	c.w.WriteBulkString("matches")
	c.w.WriteArrayHeader(len(ranges))
	for _, r := range ranges {
		if withLen {
			c.w.WriteArrayHeader(3)
		} else {
			c.w.WriteArrayHeader(2)
		}
		c.w.WriteArrayHeader(2)
		c.w.WriteInt(int64(r.a0))
		c.w.WriteInt(int64(r.a1))
		c.w.WriteArrayHeader(2)
		c.w.WriteInt(int64(r.b0))
		c.w.WriteInt(int64(r.b1))
		if withLen {
			c.w.WriteInt(int64(r.a1 - r.a0 + 1))
		}
	}
	c.w.WriteBulkString("len")
	c.w.WriteInt(int64(n))
}
