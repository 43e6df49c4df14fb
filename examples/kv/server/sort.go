package server

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/seamgo/seam/examples/kv/store"
)

var wordRPush = []byte("RPUSH")

// cmdSort is SORT key [LIMIT offset count] [ASC|DESC] [ALPHA] [STORE
// destination] over a list, a set or a sorted set: by the elements' value
// as numbers, or as strings with ALPHA. BY and GET, which read other keys
// by pattern, are refused. STORE is journalled as what it did (DEL, then
// RPUSH of the result).
func cmdSort(c *conn, args [][]byte) {
	var desc, alpha bool
	var dst []byte
	offset, count := int64(0), int64(-1)
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "ASC"):
			desc = false
		case eqFold(a, "DESC"):
			desc = true
		case eqFold(a, "ALPHA"):
			alpha = true
		case eqFold(a, "LIMIT") && i+2 < len(args):
			var ok bool
			if offset, count, ok = c.parseIntPair(args[i+1], args[i+2]); !ok {
				return
			}
			i += 2
		case eqFold(a, "STORE") && i+1 < len(args):
			dst = args[i+1]
			i++
		case (eqFold(a, "BY") || eqFold(a, "GET")) && i+1 < len(args):
			c.w.WriteError("ERR SORT " + string(a) + " is not supported by kv")
			return
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	var elems [][]byte
	var err error
	// The kind is read apart from the elements: SORT counts one lookup,
	// the first.
	kind := c.db.Type(args[1])
	c.lookedUp(args[1], kind != store.KindNone, nil)
	switch kind {
	case store.KindList:
		elems, _, err = c.db.LRange(args[1], 0, -1)
	case store.KindSet:
		elems, err = c.db.SMembers(args[1])
	case store.KindZSet:
		var zs []store.ZPair
		zs, _, err = c.db.ZRange(args[1], 0, -1, false)
		for _, z := range zs {
			elems = append(elems, z.Member)
		}
	case store.KindNone:
	default:
		err = store.ErrWrongType
	}
	if err != nil {
		c.writeStoreError(err)
		return
	}
	if alpha {
		slices.SortStableFunc(elems, bytes.Compare)
	} else {
		type scored struct {
			e []byte
			f float64
		}
		ss := make([]scored, len(elems))
		for i, e := range elems {
			f, ok := store.ParseScore(e)
			if !ok {
				c.w.WriteError("ERR One or more scores can't be converted into double")
				return
			}
			ss[i] = scored{e, f}
		}
		slices.SortStableFunc(ss, func(a, b scored) int {
			if c := cmp.Compare(a.f, b.f); c != 0 {
				return c
			}
			return bytes.Compare(a.e, b.e) // equal scores by value, as Redis
		})
		for i := range ss {
			elems[i] = ss[i].e
		}
	}
	if desc {
		slices.Reverse(elems)
	}
	if count >= 0 || offset > 0 {
		start := min(max(offset, 0), int64(len(elems)))
		end := int64(len(elems))
		if count >= 0 {
			end = min(start+count, end)
		}
		elems = elems[start:end]
	}
	if dst == nil {
		c.writeBulks(elems)
		return
	}
	var recs [][][]byte
	if !c.replay {
		recs = [][][]byte{{wordDel, dst}}
		if len(elems) > 0 {
			recs = append(recs, append([][]byte{wordRPush, dst}, elems...))
		}
	}
	existed, err := c.db.ListStore(dst, elems, recs)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notifyStored(evList, "sortstore", dst, len(elems), existed)
	c.serveIn(c.db.Index(), dst)

	c.w.WriteInt(int64(len(elems)))
}
