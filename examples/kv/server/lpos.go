package server

import (
	"bytes"
	"math"

	"github.com/seamgo/seam/examples/kv/resp"
)

// cmdLPos is LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN
// len]: the indexes of the elements equal to element, from the head, or
// from the tail with a negative rank, skipping the first rank-1 matches,
// comparing at most MAXLEN elements (0: all).
func cmdLPos(c *conn, args [][]byte) {
	rank, count, maxLen := int64(1), int64(-1), int64(0)
	for i := 3; i < len(args); i++ {
		if i+1 >= len(args) {
			c.w.WriteError(errSyntax)
			return
		}
		n, ok := resp.ParseInt(args[i+1])
		switch opt := args[i]; {
		case eqFold(opt, "RANK"):
			switch {
			case !ok:
				c.w.WriteError(errNotInteger)
				return
			case n == 0:
				c.w.WriteError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			case n == math.MinInt64:
				c.w.WriteError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
				return
			}
			rank = n
		case eqFold(opt, "COUNT"):
			if !ok || n < 0 {
				c.w.WriteError("ERR COUNT can't be negative")
				return
			}
			count = n
		case eqFold(opt, "MAXLEN"):
			if !ok || n < 0 {
				c.w.WriteError("ERR MAXLEN can't be negative")
				return
			}
			maxLen = n
		default:
			c.w.WriteError(errSyntax)
			return
		}
		i++
	}
	items, exists, err := c.db.LRange(args[1], 0, -1)
	c.lookedUp(args[1], exists, err)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	var found []int64
	skip := max(rank, -rank) - 1
	for k := range items {
		if maxLen > 0 && int64(k) >= maxLen {
			break
		}
		i := k
		if rank < 0 {
			i = len(items) - 1 - k
		}
		if !bytes.Equal(items[i], args[2]) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		found = append(found, int64(i))
		if count <= 0 && count != 0 || count > 0 && int64(len(found)) == count {
			break
		}
	}
	if count < 0 {
		if len(found) == 0 {
			c.w.WriteNull()
		} else {
			c.w.WriteInt(found[0])
		}
		return
	}
	c.w.WriteArrayHeader(len(found))
	for _, i := range found {
		c.w.WriteInt(i)
	}
}
