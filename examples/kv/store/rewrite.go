package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// ErrRewriteRunning is returned by Rewrite while another rewrite runs.
var ErrRewriteRunning = errors.New("store: a rewrite is already in progress")

// A RewriteSink receives a rewrite of the journal from [Store.Rewrite]: a
// new file that rebuilds the keyspace, written while writes go on.
type RewriteSink interface {
	// Dump adds bytes of records that rebuild some keys to the new file:
	// successive calls carry successive pieces of the records, a piece
	// possibly cut inside a record. It is called on Rewrite's goroutine,
	// with no lock held. A piece of resp.BigArg bytes or more may be a
	// stored value itself, not a copy (see dumpBuf): Dump must not keep
	// it, or any piece, after it returns.
	Dump(recs []byte) error
	// Append journals rec as Journal.Append does and, atomically with
	// it, adds tail to the new file: RESP records of what rec did to
	// keys already dumped. It is called instead of Journal.Append, with
	// the write's shard locks held, for writes to keys already dumped.
	// db is the database of rec and of tail, as Journal.AppendDB's.
	Append(db int, rec [][]byte, tail []byte) error
	// AppendRecords is Append with the records of one write, journalled
	// all or none as Journal.AppendAllDB journals them, and a tail of
	// records rather than bytes, whose arguments the sink copies or refers
	// to as it does recs'.
	AppendRecords(db int, recs [][][]byte, tail [][][]byte) error
	// Finish completes the new file and puts it in place of the journal,
	// once every key is dumped. Writes go on meanwhile, through Append.
	Finish() error
}

type rewrite struct{ sink RewriteSink }

// Rewrite writes the keyspace to sink as records that rebuild it, while
// writes go on, then calls sink.Finish. It dumps one shard at a time under
// that shard's lock, so a write waits at most for one shard's dump.
//
// A write to a shard not yet dumped goes to the journal only: the dump
// will include its effect. A write to a shard already dumped goes to both
// (sink.Append), so the new file has it after the dump. A write that spans
// shards is split: MSET gives the tail only its pairs of dumped shards,
// RENAME the part of its effect on them, and FLUSHALL counts every shard
// as dumped from then on. So the dump followed by the tail, in the order
// sink received them, replays to the keyspace as it is when Finish runs,
// and no record is applied twice.
//
// It returns ErrRewriteRunning if a rewrite is already running, ctx's
// error if ctx ends first, or what the sink returned.
//
// Every database is dumped, each after a SELECT of its number, whichever
// database s is.
func (s *Store) Rewrite(ctx context.Context, sink RewriteSink) error {
	s = s.dbs[0] // one rewrite of all the databases, whichever is asked
	if !s.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteRunning
	}
	rw := &rewrite{sink: sink}
	for _, d := range s.dbs {
		d.rw.Store(rw)
	}
	defer s.endRewrite()
	var d dumpBuf
	var num [20]byte
	for _, db := range s.dbs {
		selected := false
		for i := range db.shards {
			if err := ctx.Err(); err != nil {
				return err
			}
			sh := &db.shards[i]
			sh.mu.Lock()
			d.reset()
			if !sh.dumped {
				if !selected && len(sh.keys) > 0 {
					d.record(wordSelect, strconv.AppendInt(num[:0], int64(db.db), 10))
					selected = true
				}
				db.appendShard(&d, sh)
				sh.dumped = true
			}
			sh.mu.Unlock()
			if d.b.Len() == 0 {
				continue // most shards of most databases are empty
			}
			if err := d.writeTo(sink); err != nil {
				return err
			}
		}
	}
	return sink.Finish()
}

// endRewrite returns every shard of every database to journalling through
// the journal only. It runs after Finish: until then a write to a dumped
// shard must reach the new file. The rewrite is unset before the shards
// are reset, so that a FLUSHALL that saw it (and marks every shard dumped)
// is over before the reset comes to its shards; the next rewrite may begin
// only after the reset, so that it finds no shard dumped.
func (s *Store) endRewrite() {
	for _, d := range s.dbs {
		d.rw.Store(nil)
	}
	for _, d := range s.dbs {
		for i := range d.shards {
			sh := &d.shards[i]
			sh.mu.Lock()
			sh.dumped = false
			sh.mu.Unlock()
		}
	}
	s.rewriting.Store(false)
}

// dumpBuf holds the records that rebuild a shard, from its dump under the
// shard's lock until they are written to the sink, after the lock is let
// go: a resp.Batch whose every argument of resp.BigArg bytes or more is
// referenced. So dumping a 100 MB value does not copy it.
//
// Referring to a big argument after the shard's lock is let go is safe
// because its bytes can never change, whatever writes come meanwhile:
//   - A string's value is never written within its length: SET, INCR
//     and the rest replace e.val with another slice; APPEND writes only
//     past the old length (e.val = append(e.val, ...)), so even when it
//     has spare capacity the referenced e.val[:len] is untouched; GET
//     and RENAME only share it; nothing truncates a value in place.
//   - A list's items and a hash's values are copies made when they were
//     stored (clone, strconv.AppendInt(nil, ...)); LSET-like and HSET
//     writes replace the slice in the list or map, they never write into
//     it.
//   - A key, a hash's field, a set's or sorted set's member is a Go
//     string, which the dump converts to a fresh []byte that nothing else
//     holds.
//
// A replaced or deleted value stays alive as long as dumpBuf refers to
// it: the garbage collector sees the reference.
type dumpBuf struct{ b resp.Batch }

// always refers to every big argument: in a dump, each can never change.
func always([]byte) bool { return true }

// record appends args as resp.AppendCommand would, referencing the big
// arguments rather than copying them. Every big argument must be one that
// can never change (see dumpBuf).
func (d *dumpBuf) record(args ...[]byte) { d.b.AppendCommand(args, always) }

// writeTo hands d's bytes to sink, in order, a piece at a time.
func (d *dumpBuf) writeTo(sink RewriteSink) error {
	_, err := d.b.WriteTo(dumpWriter{sink}, 0)
	return err
}

// dumpWriter is a sink's Dump as an io.Writer.
type dumpWriter struct{ sink RewriteSink }

func (w dumpWriter) Write(p []byte) (int, error) {
	if err := w.sink.Dump(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// bytes returns d's bytes in one slice, the big arguments copied in.
func (d *dumpBuf) bytes() []byte { return d.b.Bytes() }

// reset empties d, letting go of what it referred to and of a buffer
// grown past 4 MiB.
func (d *dumpBuf) reset() { d.b.Reset(4 << 20) }

// appendShard appends the records that rebuild the shard's live keys.
func (s *Store) appendShard(d *dumpBuf, sh *shard) {
	for k, e := range sh.keys {
		if !s.isExpired(e) {
			appendEntry(d, k, e)
		}
	}
}

var (
	wordSet       = []byte("SET")
	wordPXAT      = []byte("PXAT")
	wordPExpireAt = []byte("PEXPIREAT")
	wordMSet      = []byte("MSET")
	wordSelect    = []byte("SELECT")
)

// appendEntry appends the records that rebuild e under key.
func appendEntry(d *dumpBuf, key string, e *entry) {
	var num [20]byte
	exp := strconv.AppendInt(num[:0], e.exp, 10)
	if e.obj == nil {
		if e.exp != 0 {
			d.record(wordSet, []byte(key), e.val, wordPXAT, exp)
		} else {
			d.record(wordSet, []byte(key), e.val)
		}
		return
	}
	e.obj.appendRecords(d, key)
	if e.exp != 0 {
		d.record(wordPExpireAt, []byte(key), exp)
	}
}

// recordMSet journals an MSET of kv, whose shards are locked, giving a
// rewrite's tail the pairs of shards it has dumped.
func (s *Store) recordMSet(kv, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil {
		return s.journal.AppendDB(s.db, rec)
	}
	tail := [][]byte{wordMSet}
	for i := 0; i+1 < len(kv); i += 2 {
		if s.shard(kv[i]).dumped {
			tail = append(tail, kv[i], kv[i+1])
		}
	}
	if len(tail) == 1 {
		return s.journal.AppendDB(s.db, rec)
	}
	return rw.sink.AppendRecords(s.db, [][][]byte{rec}, [][][]byte{tail})
}

// recordFlush journals a FLUSHALL, every shard locked. During a rewrite
// the tail gets it too, to erase what was dumped, and every shard counts
// as dumped from then on: they are empty, so there is nothing to dump.
func (s *Store) recordFlush(rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil {
		return s.journal.AppendDB(s.db, rec)
	}
	recs := [][][]byte{rec}
	if err := rw.sink.AppendRecords(s.db, recs, recs); err != nil {
		return err
	}
	for i := range s.shards {
		s.shards[i].dumped = true
	}
	return nil
}

// recordRename journals RENAME src dst, both shards locked, e being src's
// entry; a rewrite's tail gets its effect on the dumped shards.
func (s *Store) recordRename(shSrc, shDst *shard, src, dst []byte, e *entry, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shSrc.dumped && !shDst.dumped {
		return s.journal.AppendDB(s.db, rec)
	}
	switch {
	case shSrc.dumped && shDst.dumped:
		recs := [][][]byte{rec}
		return rw.sink.AppendRecords(s.db, recs, recs)
	case shSrc.dumped: // dst's shard is dumped later, with the value
		return rw.sink.AppendRecords(s.db, [][][]byte{rec}, [][][]byte{{delCmd, src}})
	}
	// src's shard, dumped later, no longer has it. The entry's records
	// are copied into the tail: the sink refers only to what it is told
	// never changes, by rec's rule.
	var d dumpBuf
	d.record(delCmd, dst)
	appendEntry(&d, string(dst), e)
	return rw.sink.Append(s.db, rec, d.bytes())
}
