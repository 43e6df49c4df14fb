package store

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// ZPair is a member of a sorted set and its score.
type ZPair struct {
	Member []byte
	Score  float64
}

// zset is a sorted set: a map for scores by member, and the members in
// order of score, then member, in a slice. Adding or removing a member
// moves the slice's tail (O(N) copying, fast for the sets of thousands
// this example holds); reads by rank are O(1). skiplist says whether
// Redis would hold the set as a skiplist by now rather than a listpack
// (see Store.Encoding): a removal never clears it, as in Redis.
type zset struct {
	scores   map[string]float64
	order    []zitem
	bytes    int64
	skiplist bool
}

// zsetFor returns an empty sorted set for a ZADD whose first member is
// first, with the encoding Redis 7.0's ZADD creates it in.
func zsetFor(first []byte, n int, lim EncodingLimits) *zset {
	return &zset{
		scores:   make(map[string]float64, n),
		skiplist: lim.ZSetEntries == 0 || int64(len(first)) > lim.ZSetValue,
	}
}

// addFitting adds or rescores member as Redis's zsetAdd does, converting
// z to a skiplist for good first if a new member would make it too large
// for a listpack under lim.
func (z *zset) addFitting(member string, score float64, lim EncodingLimits) {
	if _, had := z.scores[member]; !had && !z.skiplist &&
		(int64(len(z.order)+1) > lim.ZSetEntries || int64(len(member)) > lim.ZSetValue) {
		z.skiplist = true
	}
	z.set(member, score)
}

// fit gives z the encoding of a sorted set built whole (a restore, a
// STORE form): a listpack if it is small enough under lim, as Redis's
// zsetConvertToListpackIfNeeded decides.
func (z *zset) fit(lim EncodingLimits) {
	z.skiplist = int64(len(z.order)) > lim.ZSetEntries
	for _, it := range z.order {
		if int64(len(it.member)) > lim.ZSetValue {
			z.skiplist = true
		}
	}
}

type zitem struct {
	member string
	score  float64
}

func (z *zset) kind() Kind { return KindZSet }
func (z *zset) size() int  { return len(z.order) }
func (z *zset) usage() int64 {
	return z.bytes + int64(len(z.order))*(elemOverhead+24+16)
}

func zcmp(a zitem, score float64, member string) int {
	if c := cmp.Compare(a.score, score); c != 0 {
		return c
	}
	return cmp.Compare(a.member, member)
}

func (z *zset) find(score float64, member string) int {
	i, _ := slices.BinarySearchFunc(z.order, zitem{}, func(a, _ zitem) int { return zcmp(a, score, member) })
	return i
}

func (z *zset) remove(member string) {
	score, ok := z.scores[member]
	if !ok {
		return
	}
	i := z.find(score, member)
	z.order = slices.Delete(z.order, i, i+1)
	delete(z.scores, member)
	z.bytes -= int64(len(member))
}

func (z *zset) set(member string, score float64) {
	z.remove(member)
	i := z.find(score, member)
	z.order = slices.Insert(z.order, i, zitem{member, score})
	z.scores[member] = score
	z.bytes += int64(len(member))
}

var wordZAdd = []byte("ZADD")

func (z *zset) appendRecords(d *dumpBuf, key string) {
	args := make([][]byte, 0, 2+2*itemsPerRecord)
	for i, it := range z.order {
		if i%itemsPerRecord == 0 {
			if len(args) > 0 {
				d.record(args...)
			}
			args = append(args[:0], wordZAdd, []byte(key))
		}
		args = append(args, FormatScore(nil, it.score), []byte(it.member))
	}
	if len(args) > 0 {
		d.record(args...)
	}
}

// FormatScore appends a score as Redis 7.0 replies with it (%.17g, inf,
// -inf), which ParseScore reads back exactly.
func FormatScore(b []byte, f float64) []byte { return resp.AppendDouble(b, f) }

// ParseScore reads a score as Redis's strtod does, refusing NaN.
func ParseScore(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// ZAddOptions are ZADD's options, but CH, which changes only its reply.
type ZAddOptions struct {
	NX, XX, GT, LT, Incr bool
}

// ZAddResult is what a ZAdd did.
type ZAddResult struct {
	Added   int     // members that were not in the set
	Updated int     // members whose score changed
	Score   float64 // with Incr, the member's new score
	Scored  bool    // with Incr, whether the options let the score change
}

// ZAdd adds or updates members of key's sorted set as ZADD does with
// options o, creating it if key is missing; rec is journalled only if
// something changes.
func (s *Store) ZAdd(key []byte, o ZAddOptions, pairs []ZPair, rec [][]byte) (ZAddResult, error) {
	var r ZAddResult
	sh, e, err := s.lockWrite(key, KindZSet)
	defer sh.mu.Unlock()
	if err != nil {
		return r, err
	}
	var cur map[string]float64
	if e != nil {
		cur = e.obj.(*zset).scores
	}
	// Decide every change before journalling, so that a refused write
	// changes nothing; later pairs see the earlier ones' effect.
	planned := make(map[string]float64, len(pairs))
	var changes []zitem
	for _, p := range pairs {
		m := string(p.Member)
		old, exists := planned[m]
		if !exists {
			old, exists = cur[m]
		}
		newScore := p.Score
		if exists {
			if o.NX {
				continue
			}
			if o.Incr {
				newScore = old + p.Score
				if math.IsNaN(newScore) {
					return ZAddResult{}, ErrScoreNaN
				}
			}
			if o.GT && newScore <= old || o.LT && newScore >= old {
				continue
			}
			r.Score, r.Scored = newScore, true
			if newScore != old {
				r.Updated++
				planned[m] = newScore
				changes = append(changes, zitem{m, newScore})
			}
			continue
		}
		if o.XX {
			continue
		}
		r.Added++
		r.Score, r.Scored = newScore, true
		planned[m] = newScore
		changes = append(changes, zitem{m, newScore})
	}
	if len(changes) == 0 {
		return r, nil
	}
	if err := s.record(sh, rec); err != nil {
		return ZAddResult{}, err
	}
	lim := s.encodingLimits()
	if e == nil {
		e = sh.addObject(key, zsetFor(pairs[0].Member, len(changes), lim))
		s.added(e)
	}
	z := e.obj.(*zset)
	for _, c := range changes {
		z.addFitting(c.member, c.score, lim)
	}
	return r, nil
}

// ZRem removes members from key's sorted set and returns how many were
// there, and whether the key went with the last; rec is journalled only if
// that is some.
func (s *Store) ZRem(key []byte, members [][]byte, rec [][]byte) (n int, gone bool, err error) {
	return s.removeElems(key, KindZSet, members, rec)
}

func (z *zset) has(m string) bool { _, ok := z.scores[m]; return ok }
func (z *zset) del(m string)      { z.remove(m) }

// ZPopMin removes up to count members with the lowest scores from key's
// sorted set, journalling rec, and returns them, lowest first, and whether
// the key went with the last.
func (s *Store) ZPopMin(key []byte, count int, rec [][]byte) (popped []ZPair, gone bool, err error) {
	return s.zpop(key, count, false, rec)
}

// ZPopMax removes up to count members with the highest scores from key's
// sorted set, journalling rec, and returns them, highest first, and
// whether the key went with the last.
func (s *Store) ZPopMax(key []byte, count int, rec [][]byte) (popped []ZPair, gone bool, err error) {
	return s.zpop(key, count, true, rec)
}

func (s *Store) zpop(key []byte, count int, highest bool, rec [][]byte) ([]ZPair, bool, error) {
	sh, e, err := s.lockWrite(key, KindZSet)
	defer sh.mu.Unlock()
	if e == nil || err != nil || count <= 0 {
		return nil, false, err
	}
	if err := s.record(sh, rec); err != nil {
		return nil, false, err
	}
	z := e.obj.(*zset)
	n := min(count, len(z.order))
	from := 0
	if highest {
		from = len(z.order) - n
	}
	out := make([]ZPair, n)
	for i, it := range z.order[from : from+n] {
		if highest {
			i = n - 1 - i
		}
		out[i] = ZPair{Member: []byte(it.member), Score: it.score}
		delete(z.scores, it.member)
		z.bytes -= int64(len(it.member))
	}
	z.order = slices.Delete(z.order, from, from+n)
	return out, sh.removeIfEmpty(e), nil
}

// ZRange returns the members of key's sorted set ranked start to stop
// inclusive, negative ranks counting from the end, lowest score first or,
// with rev, highest first; and whether key exists.
func (s *Store) ZRange(key []byte, start, stop int64, rev bool) (pairs []ZPair, found bool, err error) {
	var out []ZPair
	found, err = s.read(key, KindZSet, func(o object) {
		z := o.(*zset)
		lo, hi, ok := ClampRange(start, stop, len(z.order))
		if !ok {
			return
		}
		out = make([]ZPair, 0, hi-lo+1)
		for r := lo; r <= hi; r++ {
			i := r
			if rev {
				i = len(z.order) - 1 - r
			}
			it := z.order[i]
			out = append(out, ZPair{Member: []byte(it.member), Score: it.score})
		}
	})
	return out, found, err
}

// ZScore returns member's score in key's sorted set, whether member is
// there (ok), and whether key is (found).
func (s *Store) ZScore(key, member []byte) (f float64, ok, found bool, err error) {
	found, err = s.read(key, KindZSet, func(o object) { f, ok = o.(*zset).scores[string(member)] })
	return f, ok, found, err
}

// ZRank returns member's rank in key's sorted set, from the lowest score
// or, with rev, from the highest; -1 if key or member is missing. found
// reports whether key exists.
func (s *Store) ZRank(key, member []byte, rev bool) (r int, found bool, err error) {
	r = -1
	found, err = s.read(key, KindZSet, func(o object) {
		z := o.(*zset)
		score, ok := z.scores[string(member)]
		if !ok {
			return
		}
		r = z.find(score, string(member))
		if rev {
			r = len(z.order) - 1 - r
		}
	})
	return r, found, err
}

// ZRemWhere removes the members of key's sorted set for which drop, given
// the member's rank (from the lowest score), the set's size and the
// member's pair, is true
// (ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX), journalling rec
// only if it removes some; the key goes when the set is empty. It returns
// how many it removed, and whether the key went with them.
func (s *Store) ZRemWhere(key []byte, drop func(rank, size int, p ZPair) bool, rec [][]byte) (n int, gone bool, err error) {
	sh, e, err := s.lockWrite(key, KindZSet)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return 0, false, err
	}
	z := e.obj.(*zset)
	var dropped []string
	for r, it := range z.order {
		if drop(r, len(z.order), ZPair{Member: []byte(it.member), Score: it.score}) {
			dropped = append(dropped, it.member)
		}
	}
	if len(dropped) == 0 {
		return 0, false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return 0, false, err
	}
	for _, m := range dropped {
		z.remove(m)
	}
	return len(dropped), sh.removeIfEmpty(e), nil
}

// ZSetStore makes dst a sorted set of pairs, replacing whatever dst held
// (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE); no pairs removes dst. Like
// SetStore, it is journalled as what it did, recs in order (DEL dst, then
// ZADD dst with the pairs), as its sources are other keys. It reports
// whether dst existed before.
func (s *Store) ZSetStore(dst []byte, pairs []ZPair, recs [][][]byte) (existed bool, err error) {
	var o object
	if len(pairs) > 0 {
		z := &zset{scores: make(map[string]float64, len(pairs))}
		for _, p := range pairs {
			z.set(string(p.Member), p.Score)
		}
		z.fit(s.encodingLimits())
		o = z
	}
	return s.replace(dst, o, recs)
}
