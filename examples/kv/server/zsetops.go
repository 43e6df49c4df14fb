package server

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// The operations of ZUNION, ZINTER and ZDIFF, with their STORE forms and
// ZINTERCARD.
const (
	zopUnion = iota
	zopInter
	zopDiff
)

func cmdZUnion(c *conn, args [][]byte)      { c.zsetOp(args, zopUnion, false, false) }
func cmdZInter(c *conn, args [][]byte)      { c.zsetOp(args, zopInter, false, false) }
func cmdZDiff(c *conn, args [][]byte)       { c.zsetOp(args, zopDiff, false, false) }
func cmdZUnionStore(c *conn, args [][]byte) { c.zsetOp(args, zopUnion, true, false) }
func cmdZInterStore(c *conn, args [][]byte) { c.zsetOp(args, zopInter, true, false) }
func cmdZDiffStore(c *conn, args [][]byte)  { c.zsetOp(args, zopDiff, true, false) }
func cmdZInterCard(c *conn, args [][]byte)  { c.zsetOp(args, zopInter, false, true) }

// zsetOp is the family: [destination] numkeys key [key ...] [WEIGHTS w
// ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] (or [LIMIT n] for
// ZINTERCARD), over sorted sets and sets (whose members score 1), with
// Redis's rules: a NaN from a weight or a sum counts as 0. The STORE forms
// are journalled as the DEL and ZADD they did.
func (c *conn) zsetOp(args [][]byte, op int, storeIt, cardOnly bool) {
	name := strings.ToLower(string(args[0]))
	ni := 1
	if storeIt {
		ni = 2
	}
	n, ok := resp.ParseInt(args[ni])
	if !ok {
		c.w.WriteError(errNotInteger)
		return
	}
	if n < 1 {
		c.w.WriteError("ERR at least 1 input key is needed for '" + name + "' command")
		return
	}
	if n > int64(len(args)-ni-1) {
		c.w.WriteError(errSyntax)
		return
	}
	keys := args[ni+1 : ni+1+int(n)]
	srcs := make([]map[string]float64, len(keys))
	for i, k := range keys {
		m, err := c.zsource(k)
		if err != nil {
			c.writeStoreError(err)
			return
		}
		srcs[i] = m
	}
	weights := make([]float64, len(keys))
	for i := range weights {
		weights[i] = 1
	}
	agg, withScores, limit := "sum", false, int64(0)
	for j := ni + 1 + int(n); j < len(args); j++ {
		rest := len(args) - j
		switch a := args[j]; {
		case op != zopDiff && !cardOnly && rest >= len(keys)+1 && eqFold(a, "WEIGHTS"):
			for i := range keys {
				w, ok := store.ParseScore(args[j+1+i])
				if !ok {
					c.w.WriteError("ERR weight value is not a float")
					return
				}
				weights[i] = w
			}
			j += len(keys)
		case op != zopDiff && !cardOnly && rest >= 2 && eqFold(a, "AGGREGATE"):
			switch v := args[j+1]; {
			case eqFold(v, "SUM"):
				agg = "sum"
			case eqFold(v, "MIN"):
				agg = "min"
			case eqFold(v, "MAX"):
				agg = "max"
			default:
				c.w.WriteError(errSyntax)
				return
			}
			j++
		case !storeIt && !cardOnly && eqFold(a, "WITHSCORES"):
			withScores = true
		case cardOnly && rest >= 2 && eqFold(a, "LIMIT"):
			l, ok := resp.ParseInt(args[j+1])
			if !ok || l < 0 {
				c.w.WriteError("ERR LIMIT can't be negative")
				return
			}
			limit = l
			j++
		default:
			c.w.WriteError(errSyntax)
			return
		}
	}
	res := zcombine(srcs, weights, op, agg)
	switch {
	case cardOnly:
		if limit > 0 {
			c.w.WriteInt(min(int64(len(res)), limit))
		} else {
			c.w.WriteInt(int64(len(res)))
		}
	case storeIt:
		c.zstore(name, args[1], res)
	default:
		c.writeZPairs(res, withScores)
	}
}

// zsource reads a sorted set, or a set as members of score 1; a missing
// key is empty.
func (c *conn) zsource(key []byte) (map[string]float64, error) {
	m := map[string]float64{}
	// The kind is read apart from the members: the source counts one
	// lookup, the first.
	kind := c.db.Type(key)
	c.lookedUp(key, kind != store.KindNone, nil)
	switch kind {
	case store.KindZSet:
		zs, _, err := c.db.ZRange(key, 0, -1, false)
		for _, z := range zs {
			m[string(z.Member)] = z.Score
		}
		return m, err
	case store.KindSet:
		ms, err := c.db.SMembers(key)
		for _, s := range ms {
			m[string(s)] = 1
		}
		return m, err
	case store.KindNone:
		return m, nil
	}
	return nil, store.ErrWrongType
}

func zweigh(score, w float64) float64 {
	if v := score * w; !math.IsNaN(v) {
		return v
	}
	return 0
}

func zaggregate(acc, v float64, agg string) float64 {
	switch agg {
	case "min":
		return min(acc, v)
	case "max":
		return max(acc, v)
	}
	if s := acc + v; !math.IsNaN(s) {
		return s
	}
	return 0
}

// zcombine applies op to the sources, ordered as a sorted set.
func zcombine(srcs []map[string]float64, weights []float64, op int, agg string) []store.ZPair {
	out := map[string]float64{}
	switch op {
	case zopUnion:
		for i, s := range srcs {
			for m, f := range s {
				v := zweigh(f, weights[i])
				if acc, ok := out[m]; ok {
					out[m] = zaggregate(acc, v, agg)
				} else {
					out[m] = v
				}
			}
		}
	case zopInter:
		for m, f := range srcs[0] {
			v, in := zweigh(f, weights[0]), true
			for i, s := range srcs[1:] {
				g, ok := s[m]
				if !ok {
					in = false
					break
				}
				v = zaggregate(v, zweigh(g, weights[i+1]), agg)
			}
			if in {
				out[m] = v
			}
		}
	case zopDiff:
		for m, f := range srcs[0] {
			if !inAny(srcs[1:], m) {
				out[m] = f
			}
		}
	}
	res := make([]store.ZPair, 0, len(out))
	for m, f := range out {
		res = append(res, store.ZPair{Member: []byte(m), Score: f})
	}
	slices.SortFunc(res, func(a, b store.ZPair) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return strings.Compare(string(a.Member), string(b.Member))
	})
	return res
}

var wordZAdd = []byte("ZADD")

// zstore stores res in dst and replies with its size; event is the
// command's name, which Redis's keyspace event is.
func (c *conn) zstore(event string, dst []byte, res []store.ZPair) {
	var recs [][][]byte
	if !c.replay {
		recs = [][][]byte{{wordDel, dst}}
		if len(res) > 0 {
			rec := [][]byte{wordZAdd, dst}
			for _, p := range res {
				rec = append(rec, store.FormatScore(nil, p.Score), p.Member)
			}
			recs = append(recs, rec)
		}
	}
	existed, err := c.db.ZSetStore(dst, res, recs)
	if err != nil {
		c.writeStoreError(err)
		return
	}
	c.notifyStored(evZSet, event, dst, len(res), existed)
	c.w.WriteInt(int64(len(res)))
}
