package store

import (
	"errors"
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
)

// NumShards is how many independently locked maps hold the keys.
const NumShards = 256

// MaxValueLen is the longest value APPEND may build: Redis's
// proto-max-bulk-len.
const MaxValueLen = 512 << 20

// Errors a write can return besides its journal's.
var (
	ErrNotInteger = errors.New("store: value is not an integer or out of range")
	ErrOverflow   = errors.New("store: increment or decrement would overflow")
	ErrTooLarge   = errors.New("store: string exceeds maximum allowed size")
	ErrWrongType  = errors.New("store: operation against a key holding the wrong kind of value")
)

// NumDBs is how many databases a Store has, as Redis's default
// "databases 16": SELECT chooses one of them.
const NumDBs = 16

// A Journal records writes before they take effect: the kv server's
// append-only file. AppendDB is called with the shard's lock held, so it
// must be quick and must not call back into the Store. An error refuses
// the write. The record's slices are only valid during the call. db is
// the database the record applies to: the journal records a SELECT when
// it changes, as Redis's append-only file does.
type Journal interface {
	AppendDB(db int, rec [][]byte) error
	// AppendAllDB journals the records of one write that takes several,
	// in order, all or none: a write refused must leave nothing in the
	// journal for a replay to apply.
	AppendAllDB(db int, recs [][][]byte) error
}

// Store is a concurrent map of string keys to string values with optional
// expiry: one database of [NumDBs], which share a journal ([Store.DB]
// gives the others). The zero value is not usable; call [New].
type Store struct {
	db      int             // this database's number
	dbs     *[NumDBs]*Store // every database, this one included
	shards  [NumShards]shard
	seed    maphash.Seed
	journal Journal
	loading atomic.Bool
	expired atomic.Int64
	rw      atomic.Pointer[rewrite] // the rewrite in progress, if any (see rewrite.go)
	// rewriting is held from a rewrite's start until its shards are reset.
	rewriting atomic.Bool
	now       func() int64                    // unix milliseconds; a seam for tests
	notify    *atomic.Pointer[notifying]      // shared by every database (notify.go)
	limits    *atomic.Pointer[EncodingLimits] // shared by every database (encoding.go)
}

type shard struct {
	mu       sync.RWMutex
	keys     map[string]*entry
	volatile map[string]struct{} // the keys that have an expiry, for Sweep
	forms    map[string]strForm  // strings not in the encoding their size gives (encoding.go)
	dumped   bool                // a rewrite has written this shard out (see rewrite.go)
	freed    atomic.Int64        // bytes of large values dropped, for Freed
	_        [64]byte            // keeps neighbouring shards' locks off one cache line
}

type entry struct {
	key string // the map's own key, kept to index volatile without allocating
	val []byte
	obj object // nil for a string; a list, set, hash or sorted set otherwise
	exp int64  // unix milliseconds; 0 means no expiry
}

// New returns database 0 of [NumDBs] empty databases that record writes
// in j; j may be nil. [Store.DB] returns the others.
func New(j Journal) *Store {
	dbs := new([NumDBs]*Store)
	seed := maphash.MakeSeed()
	notify := new(atomic.Pointer[notifying])
	limits := new(atomic.Pointer[EncodingLimits])
	for n := range dbs {
		s := &Store{db: n, dbs: dbs, seed: seed, journal: j, now: nowMillis, notify: notify, limits: limits}
		for i := range s.shards {
			s.shards[i].reset()
		}
		dbs[n] = s
	}
	return dbs[0]
}

// SetClock replaces the clock that expiry is judged by (unix
// milliseconds), in every database: a test or a simulation can then move
// time rather than wait for it. It must be called before the Store is
// shared.
func (s *Store) SetClock(now func() int64) {
	for _, d := range s.dbs {
		d.now = now
	}
}

// DB returns database n (0 to NumDBs-1) of the databases s belongs to.
func (s *Store) DB(n int) *Store { return s.dbs[n] }

// Index returns the number of s among its databases.
func (s *Store) Index() int { return s.db }

func nowMillis() int64 { return time.Now().UnixMilli() }

// Now returns the Store's clock in unix milliseconds: the time expiry is
// judged by, and the one relative expiries should be converted with.
func (s *Store) Now() int64 { return s.now() }

// SetLoading switches expiry off (true) or on (false). While the journal
// is replayed nothing may expire: the records after a key's expiry time
// were written when the key still existed, or after the DEL that removed
// it, and must be applied to the keyspace they were written against.
// It applies to every database.
func (s *Store) SetLoading(on bool) {
	for _, d := range s.dbs {
		d.loading.Store(on)
	}
}

// Loading reports whether expiry is off for a replay (see SetLoading): a
// server answers clients -LOADING meanwhile, as the keyspace is not whole.
func (s *Store) Loading() bool { return s.loading.Load() }

// Expired returns how many keys have been removed because their time
// passed, in every database.
func (s *Store) Expired() int64 {
	var n int64
	for _, d := range s.dbs {
		n += d.expired.Load()
	}
	return n
}

func (s *Store) shard(key []byte) *shard {
	return &s.shards[s.shardIndex(key)]
}

func (s *Store) shardIndex(key []byte) int {
	return int(maphash.Bytes(s.seed, key) % NumShards)
}

var delCmd = []byte("DEL")

// record hands rec, a write to keys of sh, to the journal, if there is one
// and rec is not nil (a replay passes nil: its records are already in the
// file). sh must be locked. While a rewrite runs, a write to a shard it has
// already dumped also goes to the rewrite's tail.
func (s *Store) record(sh *shard, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	if sh.dumped {
		if rw := s.rw.Load(); rw != nil {
			recs := [][][]byte{rec}
			return rw.sink.AppendRecords(s.db, recs, recs)
		}
	}
	return s.journal.AppendDB(s.db, rec)
}

// recordAll is record for a write of several records: they are journalled
// in order, all or none (Journal.AppendAllDB), and a refusal refuses the
// write.
func (s *Store) recordAll(sh *shard, recs [][][]byte) error {
	if s.journal == nil || len(recs) == 0 {
		return nil
	}
	if sh.dumped {
		if rw := s.rw.Load(); rw != nil {
			return rw.sink.AppendRecords(s.db, recs, recs)
		}
	}
	return s.journal.AppendAllDB(s.db, recs)
}

// reset empties the shard. It must be write-locked, or not yet shared.
func (sh *shard) reset() {
	sh.keys = make(map[string]*entry)
	sh.volatile = make(map[string]struct{})
	sh.forms = nil
}

// deleteNow removes e, whose time has come or been set in the past,
// journalled as DEL key. The shard must be write-locked.
func (s *Store) deleteNow(sh *shard, e *entry, key []byte) error {
	if err := s.record(sh, [][]byte{delCmd, key}); err != nil {
		return err
	}
	sh.remove(e)
	return nil
}

func (sh *shard) remove(e *entry) {
	sh.drop(e.val)
	delete(sh.keys, e.key)
	delete(sh.forms, e.key)
	if e.exp != 0 {
		delete(sh.volatile, e.key)
	}
}

// put stores val under key with expiry exp, in e if the key exists: val
// itself if it is owned (handed over by the caller), a copy otherwise. It
// returns the key's entry, e or a new one. The shard must be write-locked.
func (sh *shard) put(e *entry, key, val []byte, exp int64, owned bool) *entry {
	v := val
	if !owned {
		v = make([]byte, len(val))
		copy(v, val)
	}
	if e == nil {
		k := string(key)
		e = &entry{key: k, val: v, exp: exp}
		sh.keys[k] = e
		if exp != 0 {
			sh.volatile[k] = struct{}{}
		}
		return e
	}
	sh.drop(e.val)
	e.val, e.obj = v, nil
	delete(sh.forms, e.key) // a string set whole takes the form its size gives
	sh.setExp(e, exp)
	return e
}

// rewrite stores the owned value v under key, in e if the key exists,
// keeping its expiry: SETRANGE, SETBIT and INCRBYFLOAT change a value,
// not how long it lives. form is the string's form after the write
// (encoding.go), which each of them sets. A key it adds is told of. The
// shard must be write-locked.
func (s *Store) rewrite(sh *shard, e *entry, key, v []byte, form strForm) {
	if e != nil {
		sh.put(e, key, v, e.exp, true)
	} else {
		e = sh.put(nil, key, v, 0, true)
		s.added(e)
	}
	sh.setForm(e.key, form)
}

func (sh *shard) setExp(e *entry, exp int64) {
	switch {
	case e.exp == 0 && exp != 0:
		sh.volatile[e.key] = struct{}{}
	case e.exp != 0 && exp == 0:
		delete(sh.volatile, e.key)
	}
	e.exp = exp
}

// Get returns key's value, as MGET does: a key of another type than
// string is reported missing. The slice is the stored one: never modify
// it.
func (s *Store) Get(key []byte) ([]byte, bool) {
	v, ok, err := s.GetString(key)
	return v, ok && err == nil
}

// GetString returns key's value, or ErrWrongType if key holds another type.
// The slice is the stored one: never modify it.
func (s *Store) GetString(key []byte) ([]byte, bool, error) {
	// readEntry's steps, spelled out: GET is the hot path, and a call
	// through a func value is a cost it does not need.
	sh := s.shard(key)
	sh.mu.RLock()
	e, expired := s.lookupRead(sh, key)
	var v []byte
	var err error
	if e != nil {
		if e.obj != nil {
			err = ErrWrongType
		}
		v = e.val
	}
	sh.mu.RUnlock()
	if expired {
		s.expire(sh, key)
	}
	return v, e != nil, err
}

// Exists reports whether key is present, whatever its type.
func (s *Store) Exists(key []byte) bool {
	return s.Type(key) != KindNone
}

// Strlen returns the length of key's value, 0 if it is missing.
func (s *Store) Strlen(key []byte) (int, error) {
	v, _, err := s.GetString(key)
	return len(v), err
}

// SetMode is the condition of a SET.
type SetMode uint8

// The conditions of SET: none, NX, XX.
const (
	SetAlways   SetMode = iota
	SetIfAbsent         // NX
	SetIfExists         // XX
)

// SetOptions are SET's options.
type SetOptions struct {
	Mode     SetMode
	ExpireAt int64 // unix milliseconds; 0 means no expiry
	KeepTTL  bool  // keep the key's current expiry (KEEPTTL, INCR, APPEND)
	Get      bool  // the old value is wanted (SET ... GET, GETSET): another type than string is ErrWrongType
	// Owned hands val over to the store, which keeps it without a copy:
	// the caller must never change it again. A large value then costs its
	// size once.
	Owned bool
}

// Set stores val (a copy unless o.Owned) under key if o.Mode allows, journalling rec
// first. It returns the previous value and whether there was one (for
// SET ... GET and GETSET, which tell the Notifier of a missing key:
// KeyMiss), and whether the value was set. An ExpireAt that
// has already passed is set as any other, as Redis 7.0 does: the key is
// invisible at once, and the next lookup or Sweep removes it, journalled
// as DEL, and tells the Notifier it expired.
func (s *Store) Set(key, val []byte, o SetOptions, rec [][]byte) (old []byte, hadOld, set bool, err error) {
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if err != nil {
		return nil, false, false, err
	}
	if e != nil {
		if o.Get && e.obj != nil {
			return nil, false, false, ErrWrongType
		}
		old, hadOld = e.val, true
	} else if o.Get {
		s.missed(key)
	}
	if o.Mode == SetIfAbsent && e != nil || o.Mode == SetIfExists && e == nil {
		return old, hadOld, false, nil
	}
	if err := s.record(sh, rec); err != nil {
		return nil, false, false, err
	}
	exp := o.ExpireAt
	if o.KeepTTL && e != nil {
		exp = e.exp
	}
	if n := sh.put(e, key, val, exp, o.Owned); e == nil {
		s.added(n)
	}
	return old, hadOld, true, nil
}

// MSet sets every key-value pair in kv (key, value, key, value...)
// atomically, journalling rec once. Existing expiries are cleared, as SET
// does. A value kv[i] for which owned(i) is true is kept without a copy
// (see SetOptions.Owned); owned may be nil. each, if not nil, is called
// with every key as it is set, in order, all the keys' shards locked,
// right after the Notifier heard that the key expired or is new: Redis
// sends an MSET's events key by key, each key's together.
func (s *Store) MSet(kv [][]byte, owned func(i int) bool, each func(key []byte), rec [][]byte) error {
	_, err := s.mset(kv, owned, each, false, rec)
	return err
}

// MSetNX is MSet only if none of the keys exists (MSETNX), and reports
// whether it set them. rec should be the MSET it did.
func (s *Store) MSetNX(kv [][]byte, owned func(i int) bool, each func(key []byte), rec [][]byte) (bool, error) {
	return s.mset(kv, owned, each, true, rec)
}

func (s *Store) mset(kv [][]byte, owned func(i int) bool, each func(key []byte), nx bool, rec [][]byte) (bool, error) {
	var locked [NumShards]bool
	for i := 0; i < len(kv); i += 2 {
		locked[s.shardIndex(kv[i])] = true
	}
	for i := range locked {
		if locked[i] {
			s.shards[i].mu.Lock()
		}
	}
	defer func() {
		for i := range locked {
			if locked[i] {
				s.shards[i].mu.Unlock()
			}
		}
	}()
	if nx {
		for i := 0; i < len(kv); i += 2 {
			if e := s.shard(kv[i]).keys[string(kv[i])]; e != nil && !s.isExpired(e) {
				return false, nil
			}
		}
	}
	if err := s.recordMSet(kv, rec); err != nil {
		return false, err
	}
	for i := 0; i+1 < len(kv); i += 2 {
		sh := s.shard(kv[i])
		e := sh.keys[string(kv[i])]
		if e != nil && s.isExpired(e) {
			// Overwritten whole, value and expiry, so it needs no DEL
			// first; but it did expire, and the key is new.
			s.expired.Add(1)
			s.tell(KeyExpired, e.key)
			sh.put(e, kv[i], kv[i+1], 0, owned != nil && owned(i+1))
			s.added(e)
		} else if n := sh.put(e, kv[i], kv[i+1], 0, owned != nil && owned(i+1)); e == nil {
			s.added(n)
		}
		if each != nil {
			each(kv[i])
		}
	}
	return true, nil
}

// Del removes key, journalling rec, and reports whether it was there.
func (s *Store) Del(key []byte, rec [][]byte) (bool, error) {
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if e == nil || err != nil {
		return false, err
	}
	if err := s.record(sh, rec); err != nil {
		return false, err
	}
	sh.remove(e)
	return true, nil
}

// IncrBy adds delta to key's value, read as a decimal integer (a missing
// key is 0), keeping its expiry, and returns the new value.
func (s *Store) IncrBy(key []byte, delta int64, rec [][]byte) (int64, error) {
	sh, e, err := s.lockLookup(key)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	var cur int64
	if e != nil {
		if e.obj != nil {
			return 0, ErrWrongType
		}
		var ok bool
		if cur, ok = resp.ParseInt(e.val); !ok { // Redis's INCR reads values as it reads arguments
			return 0, ErrNotInteger
		}
	}
	if delta < 0 && cur < 0 && delta < math.MinInt64-cur ||
		delta > 0 && cur > 0 && delta > math.MaxInt64-cur {
		return 0, ErrOverflow
	}
	n := cur + delta
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	var buf [20]byte
	v := strconv.AppendInt(buf[:0], n, 10)
	if e == nil {
		s.added(sh.put(nil, key, v, 0, false))
	} else {
		e.val = append([]byte(nil), v...)
		delete(sh.forms, e.key) // INCR's result is an "int", whatever the value was
	}
	return n, nil
}

// Append appends val to key's value (creating it if missing), keeping its
// expiry, and returns the new length.
func (s *Store) Append(key, val []byte, rec [][]byte) (int, error) {
	sh, e, err := s.lockWrite(key, KindString)
	defer sh.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if e != nil && len(e.val)+len(val) > MaxValueLen {
		return 0, ErrTooLarge
	}
	if err := s.record(sh, rec); err != nil {
		return 0, err
	}
	if e == nil {
		s.added(sh.put(nil, key, val, 0, false))
		return len(val), nil
	}
	// Growing in place is safe: readers hold slices no longer than the
	// old length, and these bytes lie beyond it.
	e.val = append(e.val, val...)
	sh.setForm(e.key, formRaw)
	return len(e.val), nil
}

// Flush removes every key atomically, journalling rec.
func (s *Store) Flush(rec [][]byte) error {
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	defer func() {
		for i := range s.shards {
			s.shards[i].mu.Unlock()
		}
	}()
	if err := s.recordFlush(rec); err != nil {
		return err
	}
	for i := range s.shards {
		sh := &s.shards[i]
		for _, e := range sh.keys {
			sh.drop(e.val)
		}
		sh.reset()
	}
	return nil
}

// largeValue is the size from which a dropped value counts in Freed.
const largeValue = 32 << 10

// drop counts v in Freed if it is large: the store lets go of it.
func (sh *shard) drop(v []byte) {
	if cap(v) >= largeValue {
		sh.freed.Add(int64(cap(v)))
	}
}

// Freed returns how many bytes of large values (32 KB or more) the store
// has let go of since it was made, in every database: deleted,
// overwritten, expired or flushed. It only grows. A server can watch it to
// hand memory back to the operating system after large frees rather than
// wait for Go's collector and scavenger to do it in their own time.
func (s *Store) Freed() int64 {
	var n int64
	for _, d := range s.dbs {
		for i := range d.shards {
			n += d.shards[i].freed.Load()
		}
	}
	return n
}
