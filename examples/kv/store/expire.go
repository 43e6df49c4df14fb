package store

import "time"

// isExpired reads the clock only for keys that have an expiry, so that
// plain keys cost no time.Now.
func (s *Store) isExpired(e *entry) bool {
	return e.exp != 0 && !s.loading.Load() && e.exp <= s.now()
}

// removeExpired deletes an expired entry, journalled as DEL, and tells the
// Notifier. Its shard must be write-locked.
func (s *Store) removeExpired(sh *shard, e *entry) error {
	if err := s.record(sh, [][]byte{delCmd, []byte(e.key)}); err != nil {
		return err
	}
	sh.remove(e)
	s.expired.Add(1)
	s.tell(KeyExpired, e.key)
	return nil
}

// lockLookup write-locks key's shard and finds key for a write, as
// lookupWrite does. The caller unlocks the shard, whatever the error.
func (s *Store) lockLookup(key []byte) (*shard, *entry, error) {
	sh := s.shard(key)
	sh.mu.Lock()
	e, err := s.lookupWrite(sh, key)
	return sh, e, err
}

// lookupWrite finds key for a write, removing it first if it has expired.
// The shard must be write-locked.
func (s *Store) lookupWrite(sh *shard, key []byte) (*entry, error) {
	e := sh.keys[string(key)]
	if e != nil && s.isExpired(e) {
		if err := s.removeExpired(sh, e); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return e, nil
}

// lookupRead finds key for a read with sh read-locked. An expired key is
// reported missing; removing it needs the write lock, so the caller does
// that after unlocking (see expire).
func (s *Store) lookupRead(sh *shard, key []byte) (e *entry, expired bool) {
	e = sh.keys[string(key)]
	if e != nil && s.isExpired(e) {
		return nil, true
	}
	return e, false
}

// readEntry runs fn with key's entry, nil if key is missing, under its
// shard's read lock, then removes key if the lookup found it expired,
// once the lock is released (see lookupRead). fn must not keep the entry
// beyond the call.
func (s *Store) readEntry(key []byte, fn func(e *entry)) {
	sh := s.shard(key)
	sh.mu.RLock()
	e, expired := s.lookupRead(sh, key)
	fn(e)
	sh.mu.RUnlock()
	if expired {
		s.expire(sh, key)
	}
}

// expire removes key if it is (still) expired. A journal error leaves the
// key in place, still invisible; a later access or Sweep tries again.
func (s *Store) expire(sh *shard, key []byte) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.keys[string(key)]; e != nil && s.isExpired(e) {
		_ = s.removeExpired(sh, e)
	}
}

// TTL returns how many milliseconds key has left: -1 if it has no expiry,
// -2 if it is missing.
func (s *Store) TTL(key []byte) int64 {
	at := s.ExpireTime(key)
	if at < 0 {
		return at // -1 or -2: a key past its expiry reads as missing, so no time here is negative
	}
	return max(at-s.now(), 0)
}

// ExpireTime returns key's expiry in unix milliseconds: -1 if it has
// none, -2 if it is missing (EXPIRETIME, PEXPIRETIME).
func (s *Store) ExpireTime(key []byte) int64 {
	at := int64(-2)
	s.readEntry(key, func(e *entry) {
		if e != nil {
			at = -1
			if e.exp != 0 {
				at = e.exp
			}
		}
	})
	return at
}

// ExpireCond is the condition of an EXPIRE: Redis 7's options, which may
// be combined (XX with GT or LT); the zero value sets unconditionally.
type ExpireCond uint8

// The conditions of EXPIRE.
const (
	ExpireNX ExpireCond = 1 << iota // only if the key has no expiry
	ExpireXX                        // only if it has one
	ExpireGT                        // only if later than the current expiry
	ExpireLT                        // only if earlier than the current expiry
)

// ExpiryChange is what a write did to a key's expiry, which keyspace
// notifications name: "expire", "persist", or "del" for a time already
// passed.
type ExpiryChange uint8

// The ExpiryChanges.
const (
	ExpiryKept    ExpiryChange = iota // nothing changed
	ExpirySet                         // the key has a new expiry
	ExpiryRemoved                     // the key lives for ever now (GETEX ... PERSIST)
	ExpiryDeleted                     // the time had passed: the key is gone
)

// Expire sets key's expiry to at (unix milliseconds) if cond allows,
// journalling rec, and reports what it did: ExpiryKept if key is missing
// or cond forbids it, ExpirySet, or ExpiryDeleted when the time has
// already passed, which deletes the key, journalled as DEL. No expiry
// counts as infinitely late for GT and LT, as in Redis.
func (s *Store) Expire(key []byte, at int64, cond ExpireCond, rec [][]byte) (ExpiryChange, error) {
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return ExpiryKept, err
	}
	if cond&ExpireNX != 0 && e.exp != 0 ||
		cond&ExpireXX != 0 && e.exp == 0 ||
		cond&ExpireGT != 0 && (e.exp == 0 || at <= e.exp) ||
		cond&ExpireLT != 0 && e.exp != 0 && at >= e.exp {
		return ExpiryKept, nil
	}
	if !s.loading.Load() && at <= s.now() {
		if err := s.deleteNow(sh, e, key); err != nil {
			return ExpiryKept, err
		}
		return ExpiryDeleted, nil
	}
	if err := s.record(sh, rec); err != nil {
		return ExpiryKept, err
	}
	sh.setExp(e, at)
	return ExpirySet, nil
}

// Persist removes key's expiry, journalling rec, and reports whether it had
// one.
func (s *Store) Persist(key []byte, rec [][]byte) (bool, error) {
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if e == nil || e.exp == 0 || err != nil {
		return false, err
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	sh.setExp(e, 0)
	return true, nil
}

// Sweep removes expired keys nobody has touched, in every database, as
// Redis's active expire
// cycle does: it samples up to 20 keys with an expiry per shard, removes
// the expired ones, and samples the shard again while more than a quarter
// of a sample had expired, stopping when budget has run out. It returns how
// many keys it removed, and the journal's error if that refused the DELs
// (the keys stay, still invisible to readers).
func (s *Store) Sweep(budget time.Duration) (int, error) {
	const sample = 20
	deadline := time.Now().Add(budget)
	removed := 0
	for _, db := range s.dbs {
		for i := range db.shards {
			sh := &db.shards[i]
			for {
				n, found, err := db.sweepShard(sh, sample)
				removed += n
				if err != nil {
					return removed, err
				}
				if found < sample || n*4 <= found || time.Now().After(deadline) {
					break
				}
			}
			if time.Now().After(deadline) {
				return removed, nil
			}
		}
	}
	return removed, nil
}

// sweepShard examines up to sample keys with an expiry (Go's map iteration
// starts at a random place, so this is a random sample) and removes the
// expired ones.
func (s *Store) sweepShard(sh *shard, sample int) (removed, examined int, err error) {
	if s.loading.Load() {
		return 0, 0, nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := s.now()
	for k := range sh.volatile {
		if examined == sample {
			break
		}
		examined++
		if e := sh.keys[k]; e != nil && e.exp <= now {
			if err := s.removeExpired(sh, e); err != nil {
				return removed, examined, err
			}
			removed++
		}
	}
	return removed, examined, nil
}
