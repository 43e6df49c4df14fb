package store

import "math/rand/v2"

// SRandMember returns up to count distinct members of key's set, each
// subset of that size equally likely, without changing it (SRANDMEMBER key
// count, count positive; a negative count is SMembers and a draw with
// repeats, made by the caller as it writes them). Go's map iteration,
// which starts at a random place, is not uniform enough for that: the
// members are drawn from a slice. found reports whether key exists.
func (s *Store) SRandMember(key []byte, count int64) (members [][]byte, found bool, err error) {
	var out [][]byte
	found, err = s.read(key, KindSet, func(o object) {
		st := o.(*set)
		all := make([]string, 0, len(st.m))
		for m := range st.m {
			all = append(all, m)
		}
		n := int(min(max(count, 0), int64(len(all))))
		out = make([][]byte, n)
		for i := range n { // a partial Fisher-Yates shuffle
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
			out[i] = []byte(all[i])
		}
	})
	return out, found, err
}

// RandomKey returns a live key chosen at random (RANDOMKEY), and false if
// there is none: a shard is picked at random among those with keys, then
// a key in it.
func (s *Store) RandomKey() (string, bool) {
	start := rand.IntN(NumShards)
	for i := range NumShards {
		sh := &s.shards[(start+i)%NumShards]
		sh.mu.RLock()
		var live []string
		for k, e := range sh.keys {
			if !s.isExpired(e) {
				live = append(live, k)
			}
		}
		sh.mu.RUnlock()
		if len(live) > 0 {
			return live[rand.IntN(len(live))], true
		}
	}
	return "", false
}
