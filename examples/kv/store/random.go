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

// RandomKey returns a live key chosen at random (RANDOMKEY), each key
// about equally likely, and false if there is none. It draws a position
// among all the keys, so that a key alone in a run of empty shards is no
// likelier than one beside a full shard; a draw that lands on a key past
// its expiry draws again, a few times, before it settles for any live key.
func (s *Store) RandomKey() (string, bool) {
	for range randomKeyDraws {
		k, live, empty := s.drawKey()
		if empty {
			return "", false
		}
		if live {
			return k, true
		}
	}
	return s.anyLiveKey()
}

// randomKeyDraws bounds RandomKey's draws: a keyspace mostly past its
// expiry, not yet swept, must not keep it drawing.
const randomKeyDraws = 16

// drawKey picks the key at a uniformly drawn position among the keys of
// every shard, counted shard by shard: live reports that it found one
// and it has not expired, empty that there are no keys at all. Keys added
// or removed between the count and the walk shift the position, which
// only shifts the draw, or take it past the end, which draws nothing.
func (s *Store) drawKey() (key string, live, empty bool) {
	total := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		total += len(sh.keys)
		sh.mu.RUnlock()
	}
	if total == 0 {
		return "", false, true
	}
	at := rand.IntN(total)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		if at >= len(sh.keys) {
			at -= len(sh.keys)
			sh.mu.RUnlock()
			continue
		}
		// A map has no index: walk to the position. Whatever order the
		// walk takes, a uniform position picks a uniform key.
		for k, e := range sh.keys {
			if at == 0 {
				key, live = k, !s.isExpired(e)
				break
			}
			at--
		}
		sh.mu.RUnlock()
		return key, live, false
	}
	return "", false, false
}

// anyLiveKey returns a live key of a shard picked at random among those
// that have one.
func (s *Store) anyLiveKey() (string, bool) {
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
