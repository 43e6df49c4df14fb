package server

import (
	"math/bits"

	"github.com/seamgo/seam/examples/kv/resp"
)

// maxBitOffset is the last bit a value of proto-max-bulk-len (512 MB) has,
// which SETBIT may reach.
const maxBitOffset = 512<<20*8 - 1

const errBitOffset = "ERR bit offset is not an integer or out of range"

// cmdSetBit is SETBIT key offset value, journalled as received.
func cmdSetBit(c *conn, args [][]byte) {
	off, ok := resp.ParseInt(args[2])
	if !ok || off < 0 || off > maxBitOffset {
		c.w.WriteError(errBitOffset)
		return
	}
	if len(args[3]) != 1 || args[3][0] != '0' && args[3][0] != '1' {
		c.w.WriteError("ERR bit is not an integer or out of range")
		return
	}
	old, changed, err := c.db.SetBit(args[1], uint64(off), args[3][0] == '1', c.recordArgs(args))
	if changed && err == nil {
		c.notify(evString, "setbit", args[1])
	}
	c.writeFlag(old, err)
}

// cmdGetBit is GETBIT key offset: 0 past the value's end.
func cmdGetBit(c *conn, args [][]byte) {
	off, ok := resp.ParseInt(args[2])
	if !ok || off < 0 || off > maxBitOffset {
		c.w.WriteError(errBitOffset)
		return
	}
	v, found, err := c.db.GetString(args[1])
	c.lookedUp(args[1], found, err)
	i := uint64(off) / 8
	c.writeFlag(i < uint64(len(v)) && v[i]&(0x80>>(off%8)) != 0, err)
}

// cmdBitCount is BITCOUNT key [start end [BYTE|BIT]], with GETRANGE's
// clamping of the range, in bytes or bits.
func cmdBitCount(c *conn, args [][]byte) {
	v, ok, err := c.db.GetString(args[1])
	c.lookedUp(args[1], ok, err)
	switch {
	case err != nil:
		c.writeStoreError(err)
		return
	case !ok: // Redis answers a missing key before it reads the range
		c.w.WriteInt(0)
		return
	case len(args) == 3 || len(args) > 5:
		c.w.WriteError(errSyntax)
		return
	case len(args) == 2:
		c.w.WriteInt(int64(popcount(v)))
		return
	}
	start, end, ok := c.parseIntPair(args[2], args[3])
	if !ok {
		return
	}
	if start < 0 && end < 0 && start > end {
		c.w.WriteInt(0)
		return
	}
	isBit := false
	if len(args) == 5 {
		switch {
		case eqFold(args[4], "BIT"):
			isBit = true
		case !eqFold(args[4], "BYTE"):
			c.w.WriteError(errSyntax)
			return
		}
	}
	total := int64(len(v))
	if isBit {
		total *= 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), min(max(end, 0), total-1)
	if start > end {
		c.w.WriteInt(0)
		return
	}
	if !isBit {
		c.w.WriteInt(int64(popcount(v[start : end+1])))
		return
	}
	n := 0
	for b := start; b <= end; b++ {
		if v[b/8]&(0x80>>(b%8)) != 0 {
			n++
		}
	}
	c.w.WriteInt(int64(n))
}

func popcount(b []byte) int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return n
}
