// Package store is the in-memory keyspace of the kv example: string keys to
// strings, lists, sets, hashes, sorted sets and streams, with optional
// expiry, safe for concurrent use.
//
// # Concurrency
//
// Keys are spread over [NumShards] shards, each a map under its own
// read-write mutex, so clients working on different keys rarely wait for
// one another. A multi-key write (MSET, FLUSHALL) locks its shards in index
// order, so it is atomic and cannot deadlock with another.
//
// Values are never modified in place within their length once stored: a
// write stores a new slice (APPEND may extend the old one's spare capacity,
// which no reader's slice covers). So [Store.Get] returns the stored slice
// itself, and a server copies it into its reply after the lock is released.
//
// # Journal
//
// A write first decides its effect under the shard lock, then hands its
// record to the [Journal] (the append-only file), and applies the effect
// only if the journal accepted it. So the journal's order of records is the
// order in which writes to a key took effect, and a write the journal
// refused changes nothing and is never visible to readers. Keys removed
// because their time passed are journalled as DEL, as Redis does, so that a
// replay, during which nothing expires ([Store.SetLoading]), rebuilds the
// same keyspace.
//
// # Expiry
//
// A key past its expiry time is invisible from that moment: every access
// checks it (lazy expiry). [Store.Sweep] frees the memory of expired keys
// nobody touches; the kv server runs it as a periodic service.
//
// # Keyspace events
//
// A server's keyspace notifications need to know what a write did beyond
// its reply. What happens to a key on the store's own account, a key
// added or one removed because its time passed, is told to a [Notifier]
// ([Store.SetNotifier]) under the key's lock, as it happens; the writes
// report the rest: whether a key went with its last element (Redis then
// sends "del"), what EXPIRE and GETEX did to an expiry ([ExpiryChange]),
// what ZADD and SMOVE changed ([ZAddResult], [SMoved]).
//
// # Streams
//
// A stream keeps its entries in nodes of up to stream-node-max-entries,
// as Redis's listpacks, so that XADD appends in constant time and a range
// starts with a binary search; its consumer groups keep their pending
// entries per group and per consumer. Writes journal what they did (the
// ID XADD chose, the length a trim left, an XCLAIM per delivery), so a
// replay rebuilds the same stream. See stream.go and streamgroups.go.
//
// # Encodings
//
// [Store.Encoding] names a value's encoding as Redis 7.0's OBJECT ENCODING
// would: decided at each write with the thresholds in force
// ([Store.SetEncodingLimits]) and converted one way only, as Redis does. A
// hash in its compact form keeps its fields in the order they were first
// set. See encoding.go.
package store
