package store

// Len returns the number of keys, counting expired ones not yet removed, as
// Redis's DBSIZE does.
func (s *Store) Len() int {
	return s.sum(func(sh *shard) int { return len(sh.keys) })
}

// Volatile returns the number of keys that have an expiry.
func (s *Store) Volatile() int {
	return s.sum(func(sh *shard) int { return len(sh.volatile) })
}

// sum adds up count over the shards, each read under its own read lock, so
// the total is not a snapshot of the whole store: a write may land between
// two shards, as between two commands.
func (s *Store) sum(count func(*shard) int) int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += count(sh)
		sh.mu.RUnlock()
	}
	return n
}

// Keys returns the live keys that match the glob pattern (see [Match]), in
// no particular order.
func (s *Store) Keys(pattern string) []string {
	var keys []string
	all := pattern == "*"
	for i := range s.shards {
		keys, _ = s.shards[i].appendKeys(s, keys, pattern, all)
	}
	return keys
}

// appendKeys appends the shard's live keys that match pattern, or all of
// them, and returns how many keys it examined.
func (sh *shard) appendKeys(s *Store, keys []string, pattern string, all bool) ([]string, int) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for k, e := range sh.keys {
		if !s.isExpired(e) && (all || Match(pattern, k)) {
			keys = append(keys, k)
		}
	}
	return keys, len(sh.keys)
}

// Scan returns a batch of keys and the cursor of the next batch, 0 when the
// iteration is complete. It visits shards in order, whole shards at a time,
// until at least count keys were examined; so, as with Redis's SCAN, a key
// present from the first call to the last is returned at least once, and
// count is a hint. A pattern other than "" filters the keys examined. A
// cursor beyond the last shard ends the iteration.
func (s *Store) Scan(cursor uint64, count int, pattern string) (uint64, []string) {
	var keys []string
	examined := 0
	i := cursor
	for ; i < NumShards && examined < count; i++ {
		var n int
		keys, n = s.shards[i].appendKeys(s, keys, pattern, pattern == "")
		examined += n
	}
	if i >= NumShards {
		i = 0
	}
	return i, keys
}
